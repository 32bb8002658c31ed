"""The courts (EOIR) adapter's profile."""

from __future__ import annotations

from pathlib import Path

from adapters.courts import facts, numbers
from adapters.sdk.profile import AgencyProfile
from adapters.sdk.targets import load_targets

__all__ = ["PROFILE"]

PROFILE = AgencyProfile(
    agency_id="courts",
    name="Executive Office for Immigration Review",
    name_es="Oficina Ejecutiva de Revisión de Casos de Inmigración",
    case_types=facts.CASE_TYPES,
    case_type_names=facts.CASE_TYPE_NAMES,
    number_formats=numbers.FORMATS,
    normalize_number=numbers.normalize,
    mapping_path=Path(__file__).with_name("mapping.toml"),
    known_codes_path=Path(__file__).with_name("known_codes.txt"),
    processing_targets=load_targets(Path(__file__).with_name("targets.toml")),
    program_of=facts.program_of,
)
