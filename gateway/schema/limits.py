"""Production guards on query shape: depth, aliases, tokens, directives; plus caches."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
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
from gateway.schema.input_limits import InputLimits

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


def extensions(*, production: bool) -> list[Callable[[], SchemaExtension]]:
    """Extension factories: strawberry builds fresh instances per operation, so no state
    leaks between requests.

    The validation rules are built once here and shared: the validation cache is keyed on the
    rule classes, and QueryDepthLimiter/MaxAliasesLimiter create a new class per instance,
    which would make every request miss the cache. Rule classes hold no state (graphql-core
    instantiates them per validation), so sharing them is safe.
    """
    rules = [
        *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
        *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
        _directive_limit_rule(MAX_DIRECTIVES),
    ]
    if production:
        rules += DisableIntrospection().validation_rules
    return [
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        partial(ParserCache, maxsize=512),
        partial(AddValidationRules, rules),
        partial(ValidationCache, maxsize=512),
        InputLimits,
        partial(MaskErrors, should_mask_error=should_mask),
    ]
