"""The consent scopes (caseline.v1.lib.scopes) are the ones sensitivity.proto declares."""

from __future__ import annotations

from caseline.v1 import case_pb2, sensitivity_pb2
from caseline.v1.lib.field_scopes import field_scopes, scope_of
from caseline.v1.lib.scopes import Scope


def _declared() -> list[str]:
    """STATUS (a field without sensitivity) then each Sensitivity value's name, unprefixed."""
    names = [v.name for v in sensitivity_pb2.DESCRIPTOR.enum_types_by_name["Sensitivity"].values]
    assert names[0] == "SENSITIVITY_UNSPECIFIED"
    return ["STATUS", *(n.removeprefix("SENSITIVITY_") for n in names[1:])]


def test_scopes_are_the_sensitivities_the_contract_declares() -> None:
    """Scope lists exactly STATUS and one scope per declared sensitivity, in their order."""
    assert [s.value for s in Scope] == _declared()


def test_each_scope_is_the_string_tokens_and_records_carry() -> None:
    """A scope equals, hashes and prints as its plain name, so stored data is unchanged."""
    for scope in Scope:
        assert scope == scope.name and str(scope) == scope.name
        assert f"{scope}" == scope.name and hash(scope) == hash(scope.name)
        assert scope in frozenset({scope.name})


def test_field_scopes_answer_with_scopes() -> None:
    """Reading a field's sensitivity gives a Scope member, the most guarded for IDENTITY."""
    event = field_scopes(case_pb2.CaseEvent.DESCRIPTOR)
    assert all(isinstance(s, Scope) for s in event.values())
    assert event["office"] is Scope.DETAILS
    assert scope_of(case_pb2.Case.DESCRIPTOR.fields_by_name["case_number"]) is Scope.STATUS
