"""The labor adapter's profile: OFLC programs, FLAG case numbers and the mapping table."""

from __future__ import annotations

from pathlib import Path

from adapters.labor import facts, numbers
from adapters.sdk.profile import AgencyProfile
from adapters.sdk.targets import load_targets

__all__ = ["PROFILE"]

PROFILE = AgencyProfile(
    agency_id="labor",
    name="U.S. Department of Labor, Office of Foreign Labor Certification",
    name_es="Departamento de Trabajo de EE. UU., Oficina de Certificación Laboral para"
            " Extranjeros",
    case_types=facts.CASE_TYPES,
    case_type_names=facts.CASE_TYPE_NAMES,
    number_formats=numbers.FORMATS,
    normalize_number=numbers.normalize,
    mapping_path=Path(__file__).with_name("mapping.toml"),
    known_codes_path=Path(__file__).with_name("known_codes.txt"),
    processing_targets=load_targets(Path(__file__).with_name("targets.toml")),
    program_of=facts.program_of,
    program_of_number=numbers.program_of_number,
)
