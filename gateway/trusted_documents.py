"""Trusted documents at request time: which document a request may run, and strawberry's
hooks that apply it to HTTP and to graphql-transport-ws.

A request names a document by its sha256, as ``documentId`` (the GraphQL over HTTP
persisted documents proposal: ``"sha256:<hex>"`` or the bare hex) or as
``extensions.persistedQuery.sha256Hash`` (Apollo's convention, version 1); or it sends the
full text as ``query``, which runs only when that text's own sha256 is in the manifest (so
clients that send the manifest's documents as text, like the acceptance clients, keep
working unchanged). Anything else is refused before parsing, with a GraphQL error whose
``extensions.code`` says why: ``PERSISTED_QUERY_NOT_FOUND`` (an unknown hash: Apollo
Client's persisted-queries link then retries with the text, which is refused in turn unless
trusted), ``DOCUMENT_NOT_TRUSTED`` (text outside the manifest), ``INVALID_DOCUMENT_ID`` and
``DOCUMENT_HASH_MISMATCH`` (a malformed id, or a hash that is not the text's).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from cross_web import AsyncHTTPRequestAdapter
from graphql import GraphQLError
from strawberry.http import GraphQLRequestData
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from strawberry.types.execution import PreExecutionError

from gateway.context import Context
from gateway.messages import message
from gateway.trusted_manifest import TrustedDocuments, document_hash

__all__ = ["CODES", "Refusal", "TrustedRequestData", "TrustedTransportWSHandler", "refusal_of",
           "refused_result", "resolve", "trusted_request_data"]

_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


# Why a document does not run -> the error code clients read.
CODES = {"unknown_hash": "PERSISTED_QUERY_NOT_FOUND", "not_trusted": "DOCUMENT_NOT_TRUSTED",
         "invalid_id": "INVALID_DOCUMENT_ID", "apq_version": "INVALID_DOCUMENT_ID",
         "ids_disagree": "DOCUMENT_HASH_MISMATCH", "hash_mismatch": "DOCUMENT_HASH_MISMATCH"}


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request's document does not run (a key of CODES) and the values to say."""

    reason: str
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def code(self) -> str:
        """The error's ``extensions.code``."""
        return CODES[self.reason]

    def error(self, language: str) -> GraphQLError:
        """The refusal as a GraphQL error in ``language``."""
        return GraphQLError(_text(self, language), extensions={"code": self.code})


def _text(refusal: Refusal, language: str) -> str:
    params = refusal.params
    match refusal.reason:
        case "unknown_hash":
            return message(language, "no trusted document has the sha256 {hash}; this server "
                                     "runs only the documents of its manifest (its operators "
                                     "can add yours)", **params)
        case "not_trusted":
            return message(language, "this server runs only trusted documents, and this one "
                                     "(sha256 {hash}) is not among them; send a document of "
                                     "its manifest exactly as written, or its hash (its "
                                     "operators can add yours)", **params)
        case "invalid_id":
            return message(language, "{field} must be a sha256, 64 hexadecimal digits (a "
                                     'documentId may start with "sha256:"), got {value}',
                           **params)
        case "apq_version":
            return message(language, "extensions.persistedQuery.version must be 1, got {value}",
                           **params)
        case "ids_disagree":
            return message(language, "documentId and extensions.persistedQuery.sha256Hash "
                                     "name different documents")
        case _:
            return message(language, "the query's sha256 is {actual}, not the {named} the "
                                     "request names", **params)


def _shown(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _invalid(name: str, value: object) -> Refusal:
    return Refusal("invalid_id", {"field": name, "value": _shown(value)})


def _named_hash(extensions: object, document_id: object) -> str | Refusal | None:
    """The sha256 the request names (lowercase), None when it names none."""
    named: str | None = None
    if document_id is not None:
        bare = document_id.removeprefix("sha256:") if isinstance(document_id, str) else None
        if bare is None or not _SHA256.fullmatch(bare):
            return _invalid("documentId", document_id)
        named = bare.lower()
    persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
    if persisted is not None:
        version = persisted.get("version") if isinstance(persisted, dict) else None
        if version != 1:
            return Refusal("apq_version", {"value": _shown(version)})
        apq = cast("dict[str, object]", persisted).get("sha256Hash")
        if not isinstance(apq, str) or not _SHA256.fullmatch(apq):
            return _invalid("extensions.persistedQuery.sha256Hash", apq)
        if named is not None and named != apq.lower():
            return Refusal("ids_disagree")
        named = apq.lower()
    return named


def resolve(trusted: TrustedDocuments, query: object, extensions: object,
            document_id: object) -> str | Refusal | None:
    """The trusted text a request may run, why it may not, or None when it names no
    document at all (strawberry then says that the query is missing)."""
    named = _named_hash(extensions, document_id)
    if isinstance(named, Refusal):
        return named
    if isinstance(query, str):
        actual = document_hash(query)
        if named is not None and named != actual:
            return Refusal("hash_mismatch", {"actual": actual, "named": named})
        if trusted.get(actual) is None:
            return Refusal("not_trusted", {"hash": actual})
        return query
    if named is None:
        return None
    document = trusted.get(named)
    if document is None:
        return Refusal("unknown_hash", {"hash": named})
    return document


@dataclass
class TrustedRequestData(GraphQLRequestData):
    """A request's data once its document is resolved: the trusted text as ``query``, or
    the refusal that answers it instead."""

    refusal: Refusal | None = None


async def _document_id(request: AsyncHTTPRequestAdapter,
                       parse_json: Callable[[bytes], object]) -> object:
    if request.method == "GET":
        return request.query_params.get("documentId")
    # Read again only for a request without text or Apollo hash: a small body.
    body = parse_json(await request.get_body())
    return body.get("documentId") if isinstance(body, dict) else None


async def trusted_request_data(request: AsyncHTTPRequestAdapter, data: GraphQLRequestData,
                               trusted: TrustedDocuments,
                               parse_json: Callable[[bytes], object]) -> TrustedRequestData:
    """strawberry's parsed request (from ``parse_http_body``) resolved against ``trusted``;
    ``parse_json`` is the view's, to read ``documentId`` that strawberry does not keep."""
    extensions = data.extensions or {}
    document_id = None
    if data.query is None and "persistedQuery" not in extensions:
        document_id = await _document_id(request, parse_json)
    resolved = resolve(trusted, data.query, extensions, document_id)
    refusal = resolved if isinstance(resolved, Refusal) else None
    query = resolved if isinstance(resolved, str) else None
    return TrustedRequestData(query=query, variables=data.variables,
                              operation_name=data.operation_name, extensions=data.extensions,
                              protocol=data.protocol, refusal=refusal)


def refusal_of(data: GraphQLRequestData) -> Refusal | None:
    """The refusal a request was answered with, None when its document may run."""
    return data.refusal if isinstance(data, TrustedRequestData) else None


def refused_result(refusal: Refusal, language: str) -> PreExecutionError:
    """The answer to a refused request: an error before execution, like a document that
    does not validate (HTTP 400)."""
    return PreExecutionError(data=None, errors=[refusal.error(language)])


class TrustedTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws under the same rule: a ``subscribe`` message's payload names
    its document as an HTTP request does (``query``, ``documentId`` or
    ``extensions.persistedQuery``); strawberry's handler reads only ``query``, so this one
    puts the trusted text there or answers the protocol's ``error`` message."""

    async def handle_subscribe(self, subscribe: SubscribeMessage) -> None:
        """Resolve the document, then subscribe as strawberry does."""
        trusted: TrustedDocuments | None = getattr(self.view, "trusted_documents", None)
        payload: Any = subscribe.get("payload")
        # Protocol errors (not acknowledged, a duplicate id, no payload) stay strawberry's.
        if (trusted is None or not isinstance(payload, dict) or not self.connection_acknowledged
                or subscribe.get("id") in self.operations):
            await super().handle_subscribe(subscribe)
            return
        resolved = resolve(trusted, payload.get("query"), payload.get("extensions"),
                           payload.get("documentId"))
        if isinstance(resolved, Refusal):
            await self.send_message({"id": subscribe["id"], "type": "error",
                                     "payload": [resolved.error(self.context.language)
                                                 .formatted]})
            return
        if resolved is not None:
            subscribe = cast("SubscribeMessage",
                             {**subscribe, "payload": {**payload, "query": resolved}})
        await super().handle_subscribe(subscribe)
