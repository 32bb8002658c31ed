"""Trusted-documents manifests: reading them (checked whole at start) and writing one.

Two formats are read, as the ecosystem's tools write them:

- Apollo's persisted query manifest (``@apollo/generate-persisted-query-manifest``, Apollo
  Kotlin, iOS): ``{"format": "apollo-persisted-query-manifest", "version": 1,
  "operations": [{"id", "name", "type", "body"}]}``;
- the flat ``{"<id>": "<document>"}`` map that GraphQL Code Generator's client preset
  (``persistedDocuments``) writes and Hive's app deployments take.

Either way every id must be the sha256 (64 hexadecimal digits) of its document's UTF-8 text:
a request names a document by that hash (gateway/trusted_documents.py), and a full-text
request is trusted when its own hash is listed. Code Generator's default hash is sha1; it is
set with ``persistedDocuments: {hashAlgorithm: 'sha256'}``. Written by hand: there is no
maintained Python reader of these formats, and the checks are a few lines of plain data.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from graphql import GraphQLError, OperationDefinitionNode, parse

__all__ = ["APOLLO_FORMAT", "MAX_DOCUMENTS", "MAX_DOCUMENT_BYTES", "MAX_MANIFEST_BYTES",
           "SHIPPED", "ManifestError", "TrustedDocuments", "build_manifest", "document_hash",
           "load_manifests", "parse_manifest"]

APOLLO_FORMAT = "apollo-persisted-query-manifest"
# Bounds read before any parsing: a manifest is data an operator hands over, but a wrong
# file (a log, a dump) must be refused at start rather than fill the memory of every worker.
MAX_MANIFEST_BYTES = 8 * 1024 * 1024
MAX_DOCUMENTS = 10_000
MAX_DOCUMENT_BYTES = 64 * 1024
# The manifest Caseline ships: the acceptance operations (`caseline trusted-documents build`).
SHIPPED = Path(__file__).with_name("trusted_documents.json")

_SHA256 = re.compile(r"[0-9a-f]{64}")
_SHA1 = re.compile(r"[0-9a-fA-F]{40}")


class ManifestError(ValueError):
    """A manifest that cannot be used, saying where and what was expected."""


@dataclass(frozen=True, slots=True)
class TrustedDocuments:
    """The allow-list: sha256 hex (lowercase) -> the document's exact text."""

    by_hash: Mapping[str, str]

    def __len__(self) -> int:
        return len(self.by_hash)

    def get(self, sha256_hex: str) -> str | None:
        """The document with this hash, None when it is not trusted."""
        return self.by_hash.get(sha256_hex)


def document_hash(document: str) -> str:
    """The sha256 of a document's UTF-8 text, lowercase hex (its id in a manifest)."""
    return hashlib.sha256(document.encode("utf-8", "surrogatepass")).hexdigest()


def _checked_entry(source: str, where: str, key: object, body: object) -> tuple[str, str]:
    if not isinstance(key, str) or not isinstance(body, str):
        raise ManifestError(f"{source}: {where}: expected a string id and a string document")
    if len(body.encode("utf-8", "surrogatepass")) > MAX_DOCUMENT_BYTES:
        raise ManifestError(f"{source}: {where}: the document is over "
                            f"{MAX_DOCUMENT_BYTES} bytes")
    key = key.removeprefix("sha256:")
    if _SHA1.fullmatch(key):
        raise ManifestError(f"{source}: {where}: id {key} has 40 hexadecimal digits, a sha1; "
                            "ids must be sha256 (GraphQL Code Generator: persistedDocuments: "
                            "{hashAlgorithm: 'sha256'})")
    if not _SHA256.fullmatch(key.lower()):
        raise ManifestError(f"{source}: {where}: id {key[:80]!r} is not a sha256 "
                            "(64 hexadecimal digits)")
    actual = document_hash(body)
    if key.lower() != actual:
        raise ManifestError(f"{source}: {where}: id {key} is not the sha256 of its document "
                            f"(that is {actual}); regenerate the manifest")
    return actual, body


def _apollo_entries(source: str, data: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    if data.get("version") != 1:
        raise ManifestError(f"{source}: Apollo manifest version {data.get('version')!r}; "
                            "only version 1 is known")
    operations = data.get("operations")
    if not isinstance(operations, list):
        raise ManifestError(f"{source}: 'operations' must be a list of "
                            '{"id", "name", "type", "body"} objects')
    for number, operation in enumerate(operations, 1):
        if not isinstance(operation, dict):
            raise ManifestError(f"{source}: operation {number}: expected an object")
        yield _checked_entry(source, f"operation {number} ({operation.get('name')!r})",
                             operation.get("id"), operation.get("body"))


def parse_manifest(data: object, source: str) -> TrustedDocuments:
    """The documents of a decoded manifest (either format); ``source`` names it in errors."""
    if not isinstance(data, dict):
        raise ManifestError(f"{source}: expected a JSON object: an Apollo persisted query "
                            'manifest or a {"<sha256>": "<document>"} map')
    if "format" in data:
        if data["format"] != APOLLO_FORMAT:
            raise ManifestError(f"{source}: unknown manifest format {data['format']!r}; "
                                f"expected {APOLLO_FORMAT!r}")
        entries = list(_apollo_entries(source, data))
    else:
        entries = [_checked_entry(source, f"entry {key!r}"[:90], key, body)
                   for key, body in data.items()]
    if len(entries) > MAX_DOCUMENTS:
        raise ManifestError(f"{source}: {len(entries)} documents, over the limit of "
                            f"{MAX_DOCUMENTS}")
    return TrustedDocuments(dict(entries))


def load_manifests(paths: Iterable[Path]) -> TrustedDocuments:
    """Every document of every manifest file, checked; a ManifestError names the file."""
    merged: dict[str, str] = {}
    for path in paths:
        try:
            with path.open("rb") as file:
                raw = file.read(MAX_MANIFEST_BYTES + 1)
        except OSError as exc:
            raise ManifestError(f"{path}: cannot read the manifest: {exc.strerror}") from exc
        if len(raw) > MAX_MANIFEST_BYTES:
            raise ManifestError(f"{path}: over {MAX_MANIFEST_BYTES} bytes; a manifest holds "
                                "documents, not data")
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ManifestError(f"{path}: not valid JSON: {exc}") from exc
        merged.update(parse_manifest(data, str(path)).by_hash)
    if len(merged) > MAX_DOCUMENTS:
        raise ManifestError(f"{len(merged)} documents in all, over the limit of "
                            f"{MAX_DOCUMENTS}")
    return TrustedDocuments(merged)


def _operation(document: str, source: str) -> OperationDefinitionNode:
    try:
        parsed = parse(document)
    except GraphQLError as exc:
        raise ManifestError(f"{source}: not a GraphQL document: {exc.message}") from exc
    operations = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        raise ManifestError(f"{source}: expected exactly one operation, found "
                            f"{len(operations)}")
    return operations[0]


def build_manifest(documents: Iterable[tuple[str, str]]) -> dict[str, object]:
    """An Apollo persisted query manifest of (source, text) documents, one operation each,
    in the order given. Bodies are kept exactly as written (not reprinted), so a client that
    sends a file's text as its query sends a trusted document."""
    operations = []
    for source, text in documents:
        operation = _operation(text, source)
        if operation.name is None:
            raise ManifestError(f"{source}: the operation has no name; name it so the "
                                "manifest can say which it is")
        _checked_entry(source, "document", document_hash(text), text)
        operations.append({"id": document_hash(text), "name": operation.name.value,
                           "type": operation.operation.value, "body": text})
    return {"format": APOLLO_FORMAT, "version": 1, "operations": operations}
