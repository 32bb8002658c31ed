"""Trusted-documents manifests: both formats read, every id checked against its document,
sizes bounded, and the manifest written with bodies exactly as given."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from gateway import trusted_manifest
from gateway.trusted_manifest import (
    SHIPPED,
    ManifestError,
    build_manifest,
    document_hash,
    load_manifests,
    parse_manifest,
)

QUERY = "query PublicStatus($number: String!) { caseStatus(number: $number) { __typename } }"
MUTATION = "mutation Revoke($id: ID!) { revokeConsent(id: $id) { id } }"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _apollo(*operations: dict[str, object]) -> dict[str, object]:
    return {"format": "apollo-persisted-query-manifest", "version": 1,
            "operations": list(operations)}


def test_the_hash_is_sha256_of_the_utf8_text() -> None:
    assert document_hash("{ a }") == _sha256("{ a }")
    assert document_hash("{ ñ }") == hashlib.sha256("{ ñ }".encode()).hexdigest()


def test_an_apollo_manifest_is_read_by_id() -> None:
    documents = parse_manifest(_apollo(
        {"id": _sha256(QUERY), "name": "PublicStatus", "type": "query", "body": QUERY},
        {"id": _sha256(MUTATION), "name": "Revoke", "type": "mutation", "body": MUTATION}),
        "m.json")
    assert documents.get(_sha256(QUERY)) == QUERY
    assert documents.get(_sha256(MUTATION)) == MUTATION
    assert len(documents) == 2


def test_a_flat_map_is_read_with_or_without_the_sha256_prefix() -> None:
    documents = parse_manifest({_sha256(QUERY): QUERY, f"sha256:{_sha256(MUTATION)}": MUTATION},
                               "persisted-documents.json")
    assert documents.get(_sha256(QUERY)) == QUERY
    assert documents.get(_sha256(MUTATION)) == MUTATION


def test_an_uppercase_id_is_the_same_hash() -> None:
    documents = parse_manifest({_sha256(QUERY).upper(): QUERY}, "m.json")
    assert documents.get(_sha256(QUERY)) == QUERY


def test_an_id_that_is_not_its_documents_hash_is_refused_naming_the_right_one() -> None:
    with pytest.raises(ManifestError) as raised:
        parse_manifest(_apollo({"id": _sha256(MUTATION), "name": "PublicStatus",
                                "type": "query", "body": QUERY}), "m.json")
    text = str(raised.value)
    assert text.startswith("m.json: operation 1 ('PublicStatus'): ")
    assert f"is not the sha256 of its document (that is {_sha256(QUERY)})" in text


def test_a_sha1_id_is_refused_saying_how_to_get_sha256() -> None:
    sha1 = hashlib.sha1(QUERY.encode()).hexdigest()  # what Code Generator writes by default
    with pytest.raises(ManifestError, match=r"a sha1; ids must be sha256.*hashAlgorithm"):
        parse_manifest({sha1: QUERY}, "persisted-documents.json")


@pytest.mark.parametrize(("data", "expected"), [
    ([QUERY], "expected a JSON object"),
    ({"format": "relay", "version": 1, "operations": []}, "unknown manifest format 'relay'"),
    ({"format": "apollo-persisted-query-manifest", "version": 2, "operations": []},
     "version 2; only version 1"),
    ({"format": "apollo-persisted-query-manifest", "version": 1, "operations": {}},
     "'operations' must be a list"),
    ({"format": "apollo-persisted-query-manifest", "version": 1, "operations": ["x"]},
     "operation 1: expected an object"),
    ({"abc": QUERY}, "'abc' is not a sha256"),
    ({_sha256(QUERY): 7}, "expected a string id and a string document"),
])
def test_a_malformed_manifest_says_what_was_expected(data: object, expected: str) -> None:
    with pytest.raises(ManifestError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        parse_manifest(data, "m.json")


def test_a_document_over_the_size_limit_is_refused() -> None:
    big = "{ a }" + " " * trusted_manifest.MAX_DOCUMENT_BYTES
    with pytest.raises(ManifestError, match="the document is over 65536 bytes"):
        parse_manifest({_sha256(big): big}, "m.json")


def test_too_many_documents_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trusted_manifest, "MAX_DOCUMENTS", 1)
    with pytest.raises(ManifestError, match="2 documents, over the limit of 1"):
        parse_manifest({_sha256(QUERY): QUERY, _sha256(MUTATION): MUTATION}, "m.json")


def test_files_are_merged(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(json.dumps({_sha256(QUERY): QUERY}))
    second.write_text(json.dumps(_apollo({"id": _sha256(MUTATION), "name": "Revoke",
                                          "type": "mutation", "body": MUTATION})))
    documents = load_manifests([first, second])
    assert set(documents.by_hash) == {_sha256(QUERY), _sha256(MUTATION)}


def test_a_file_over_the_size_limit_is_refused_before_parsing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trusted_manifest, "MAX_MANIFEST_BYTES", 100)
    path = tmp_path / "big.json"
    path.write_text("x" * 101)  # not JSON either: the size is what is said
    with pytest.raises(ManifestError, match=r"big.json: over 100 bytes"):
        load_manifests([path])


def test_a_file_that_is_not_json_or_missing_is_named(tmp_path: Path) -> None:
    path = tmp_path / "log.txt"
    path.write_text("GET /graphql 200\n")
    with pytest.raises(ManifestError, match=r"log.txt: not valid JSON"):
        load_manifests([path])
    with pytest.raises(ManifestError, match=r"gone.json: cannot read the manifest"):
        load_manifests([tmp_path / "gone.json"])


def test_a_built_manifest_keeps_bodies_exactly_and_reads_back() -> None:
    text = QUERY + "\n\n"
    manifest = build_manifest([("a.graphql", text), ("b.graphql", MUTATION)])
    assert manifest["operations"] == [
        {"id": _sha256(text), "name": "PublicStatus", "type": "query", "body": text},
        {"id": _sha256(MUTATION), "name": "Revoke", "type": "mutation", "body": MUTATION}]
    assert parse_manifest(manifest, "built").get(_sha256(text)) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("{ viewer { subject } }", "has no name"),
    ("query A { a } query B { b }", "exactly one operation, found 2"),
    ("query A {", "not a GraphQL document"),
])
def test_a_document_the_manifest_cannot_name_is_refused(text: str, expected: str) -> None:
    with pytest.raises(ManifestError, match=expected):
        build_manifest([("x.graphql", text)])


def test_the_shipped_manifest_reads() -> None:
    assert len(load_manifests([SHIPPED])) >= 13
