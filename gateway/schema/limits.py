"""Production guards on query shape: depth, aliases, tokens, directives; plus caches."""

from __future__ import annotations

from typing import Any

from graphql import ASTValidationRule, DirectiveNode, GraphQLError, ValidationContext
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from gateway.schema.errors import should_mask

__all__ = ["MAX_DIRECTIVES", "extensions"]

MAX_DEPTH = 8
MAX_ALIASES = 30
MAX_TOKENS = 2_000
MAX_DIRECTIVES = 20


def _directive_limit_rule(limit: int) -> type[ASTValidationRule]:
    class MaxDirectivesRule(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.count = 0

        def enter_directive(self, node: DirectiveNode, *_args: Any) -> None:
            self.count += 1
            if self.count == limit + 1:
                self.report_error(GraphQLError(
                    f"too many directives: at most {limit} per document", node))

    return MaxDirectivesRule


def extensions(*, production: bool) -> list[type[SchemaExtension] | SchemaExtension]:
    """Fresh extension instances for a schema (never shared between schemas)."""
    result: list[type[SchemaExtension] | SchemaExtension] = [
        MaxTokensLimiter(max_token_count=MAX_TOKENS),
        ParserCache(maxsize=512),
        QueryDepthLimiter(max_depth=MAX_DEPTH),
        MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        AddValidationRules([_directive_limit_rule(MAX_DIRECTIVES)]),
        ValidationCache(maxsize=512),
        MaskErrors(should_mask_error=should_mask),
    ]
    if production:
        result.append(DisableIntrospection())
    return result
