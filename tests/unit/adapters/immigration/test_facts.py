"""USCIS's forms (case types): each named in English and in USCIS's own Spanish."""

from __future__ import annotations

from adapters.immigration.facts import CASE_TYPE_NAMES
from adapters.immigration.profile import PROFILE
from support.case_type_names import assert_named_in_spanish


def test_every_form_has_its_spanish_title() -> None:
    assert_named_in_spanish(PROFILE, CASE_TYPE_NAMES)
    # The title on USCIS's Spanish list of most-used forms, word for word.
    assert CASE_TYPE_NAMES["es"]["I-485"] == ("Solicitud de Registro de Residencia Permanente "
                                              "o Ajustar Estatus")
