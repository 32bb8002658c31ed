/*
 * Caseline: a ledger receipt checked in the browser, trusting nothing the server computed.
 *
 * For each <section class="caseline-receipt"> (markup: gateway/web/templates/receipt.html)
 * the leaf hash and the inclusion proof are recomputed into a Merkle root (RFC 9162, 2.1.3.2)
 * with WebCrypto SHA-256; that root must be the one in the checkpoint, a C2SP signed note
 * whose Ed25519 signature must verify under the ledger's published key (GET /ledger/key).
 * The result is written, in words the page supplies, into the section's live region.
 *
 * No inline code: the Content-Security-Policy is script-src 'self'. Node (20+) runs the same
 * functions in the tests (globalThis.CaselineReceipt).
 */
"use strict";

(function () {
  var EM_DASH = "\u2014 ";
  var MAX_PROOF = 64; // a tree of 2^64 leaves needs no longer proof
  var MAX_NOTE = 1 << 20;

  function bytesOf(base64) {
    var text = atob(base64);
    var out = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }

  function base64Of(bytes) {
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text);
  }

  function concat(parts) {
    var length = 0;
    parts.forEach(function (p) { length += p.length; });
    var out = new Uint8Array(length);
    var at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) return false;
    var diff = 0;
    for (var i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    return diff === 0;
  }

  async function sha256(data) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  }

  function nodeHash(left, right) {
    return sha256(concat([new Uint8Array([1]), left, right]));
  }

  /* The root an inclusion proof leads to from leafHash at index in a tree of size leaves
   * (RFC 9162, 2.1.3.2); null when the proof cannot be one for that index and size. Plain
   * arithmetic rather than bit operators: indexes may exceed 32 bits. */
  async function rootFromInclusionProof(index, size, leafHash, proof) {
    if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 ||
        index >= size || proof.length > MAX_PROOF || leafHash.length !== 32) {
      return null;
    }
    var fn = index;
    var sn = size - 1;
    var r = leafHash;
    for (var i = 0; i < proof.length; i++) {
      var p = proof[i];
      if (sn === 0 || p.length !== 32) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) {
            fn = Math.floor(fn / 2);
            sn = Math.floor(sn / 2);
          }
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  }

  /* A C2SP verifier key "name+hash+base64(0x01 || key)": {name, hash, key}; throws if
   * malformed or if the hash is not that of the name and key. */
  async function parseVerifierKey(vkey) {
    var text = vkey.trim();
    var first = text.indexOf("+");
    var second = text.indexOf("+", first + 1);
    if (first <= 0 || second < 0) throw new Error("malformed verifier key");
    var name = text.slice(0, first);
    var hashHex = text.slice(first + 1, second);
    var raw = bytesOf(text.slice(second + 1));
    if (!/^[0-9a-f]{8}$/i.test(hashHex) || raw.length !== 33 || raw[0] !== 1) {
      throw new Error("unsupported verifier key");
    }
    var expected = (await sha256(concat([new TextEncoder().encode(name + "\n"), raw])))
      .slice(0, 4);
    var hash = new Uint8Array(4);
    for (var i = 0; i < 4; i++) hash[i] = parseInt(hashHex.slice(2 * i, 2 * i + 2), 16);
    if (!equal(hash, expected)) throw new Error("verifier key hash does not match");
    return { name: name, hash: hash, key: raw.slice(1) };
  }

  /* The checkpoint {origin, size, root} of a note signed by vkey; throws when the note is
   * malformed or carries no valid signature by that key. */
  async function openCheckpoint(note, vkey) {
    if (note.length > MAX_NOTE) throw new Error("note too large");
    var verifier = await parseVerifierKey(vkey);
    var split = note.lastIndexOf("\n\n");
    if (split < 0) throw new Error("no signatures");
    var text = note.slice(0, split + 1);
    var block = note.slice(split + 2);
    if (!block.endsWith("\n")) throw new Error("malformed signatures");
    var signature = null;
    block.slice(0, -1).split("\n").forEach(function (line) {
      if (!line.startsWith(EM_DASH)) throw new Error("malformed signature line");
      var rest = line.slice(EM_DASH.length);
      var space = rest.indexOf(" ");
      if (space <= 0 || rest.slice(0, space) !== verifier.name || signature !== null) return;
      var raw = bytesOf(rest.slice(space + 1));
      if (raw.length === 68 && equal(raw.slice(0, 4), verifier.hash)) signature = raw.slice(4);
    });
    if (signature === null) throw new Error("no signature by this key");
    var key = await crypto.subtle.importKey("raw", verifier.key, { name: "Ed25519" }, false,
                                            ["verify"]);
    var body = new TextEncoder().encode(text);
    if (!(await crypto.subtle.verify({ name: "Ed25519" }, key, signature, body))) {
      throw new Error("bad signature");
    }
    var lines = text.slice(0, -1).split("\n");
    if (lines.length < 3 || !/^(0|[1-9][0-9]*)$/.test(lines[1])) {
      throw new Error("malformed checkpoint");
    }
    return { origin: lines[0], size: Number(lines[1]), root: bytesOf(lines[2]) };
  }

  /* "ok" when the receipt holds, "bad" when it does not, "unsupported" when this browser
   * cannot check Ed25519 signatures. */
  async function verifyReceipt(receipt) {
    if (typeof crypto === "undefined" || !crypto.subtle) return "unsupported";
    try {
      await crypto.subtle.importKey("raw", new Uint8Array(32), { name: "Ed25519" }, false,
                                    ["verify"]);
    } catch (e) {
      return "unsupported";
    }
    try {
      var root = await rootFromInclusionProof(receipt.leafIndex, receipt.treeSize,
                                              bytesOf(receipt.leafHash),
                                              receipt.proof.map(bytesOf));
      if (root === null || !equal(root, bytesOf(receipt.rootHash))) return "bad";
      var checkpoint = await openCheckpoint(receipt.checkpoint, receipt.key);
      if (checkpoint.size !== receipt.treeSize || !equal(checkpoint.root, root)) return "bad";
      return "ok";
    } catch (e) {
      return "bad";
    }
  }

  function receiptOf(section) {
    var d = section.dataset;
    return {
      leafIndex: Number(d.leafIndex), treeSize: Number(d.treeSize), leafHash: d.leafHash,
      rootHash: d.rootHash, proof: d.proof ? d.proof.split(",") : [],
      checkpoint: d.checkpoint, key: d.key,
    };
  }

  async function show(section) {
    var result = section.querySelector(".caseline-receipt__result");
    if (!result || section.dataset.checked) return;
    section.dataset.checked = "1";
    var outcome = await verifyReceipt(receiptOf(section));
    var texts = { ok: section.dataset.textOk, bad: section.dataset.textBad,
                  unsupported: section.dataset.textUnsupported };
    result.textContent = texts[outcome];
    section.classList.add("caseline-receipt--" + outcome);
  }

  globalThis.CaselineReceipt = {
    rootFromInclusionProof: rootFromInclusionProof, openCheckpoint: openCheckpoint,
    parseVerifierKey: parseVerifierKey, verifyReceipt: verifyReceipt, base64Of: base64Of,
  };

  if (typeof document !== "undefined") {
    var start = function () {
      document.querySelectorAll("section.caseline-receipt").forEach(show);
    };
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", start);
    } else {
      start();
    }
  }
})();
