"""The immigration (USCIS) adapter's profile."""

from __future__ import annotations

from pathlib import Path

from adapters.immigration import numbers, synthetic
from adapters.sdk.profile import AgencyProfile

PROFILE = AgencyProfile(
    agency_id="immigration",
    name="U.S. Citizenship and Immigration Services",
    name_es="Servicio de Ciudadanía e Inmigración de los Estados Unidos",
    case_types=synthetic.CASE_TYPES,
    number_formats=numbers.FORMATS,
    normalize_number=numbers.normalize,
    mapping_path=Path(__file__).with_name("mapping.toml"),
    known_codes_path=Path(__file__).with_name("known_codes.txt"),
    program_of=synthetic.program_of,
    identifier_formats=(numbers.A_NUMBER,),
)
