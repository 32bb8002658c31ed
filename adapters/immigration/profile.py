"""The immigration (USCIS) adapter's profile."""

from __future__ import annotations

from pathlib import Path

from adapters.immigration import facts, numbers
from adapters.immigration.premium import premium_of
from adapters.sdk.profile import AgencyProfile
from adapters.sdk.targets import load_targets

__all__ = ["PROFILE"]

PROFILE = AgencyProfile(
    agency_id="immigration",
    name="U.S. Citizenship and Immigration Services",
    name_es="Servicio de Ciudadanía e Inmigración de los Estados Unidos",
    case_types=facts.CASE_TYPES,
    case_type_names=facts.CASE_TYPE_NAMES,
    number_formats=numbers.FORMATS,
    normalize_number=numbers.normalize,
    mapping_path=Path(__file__).with_name("mapping.toml"),
    known_codes_path=Path(__file__).with_name("known_codes.txt"),
    processing_targets=load_targets(Path(__file__).with_name("targets.toml")),
    program_of=facts.program_of,
    identifier_formats=(numbers.A_NUMBER,),
    premium_of=premium_of,
)
