"""What is true of OFLC whatever its caseload: its programs (the case types, which also qualify
its mapping table) and the offices that decide each program's cases."""

from __future__ import annotations

__all__ = [
    "ATLANTA", "BALCA", "CASE_TYPES", "CASE_TYPE_NAMES", "CHICAGO", "NPWC", "PROGRAM_OFFICES",
    "program_of",
]

ATLANTA = "Atlanta National Processing Center"
CHICAGO = "Chicago National Processing Center"
NPWC = "National Prevailing Wage Center"
BALCA = "Board of Alien Labor Certification Appeals"

CASE_TYPES: dict[str, str] = {
    "PERM": "Permanent Labor Certification (ETA-9089)",
    "PW": "Prevailing Wage Determination (ETA-9141)",
    "LCA": "Labor Condition Application (ETA-9035)",
    "H-2A": "H-2A Temporary Agricultural Labor Certification (ETA-9142A)",
    "H-2B": "H-2B Temporary Non-agricultural Labor Certification (ETA-9142B)",
    "CW-1": "CW-1 CNMI-Only Transitional Worker Labor Certification (ETA-9142C)",
}

# The programs' names in other languages, by BCP 47 tag. Spanish: the Department of Labor's
# own Spanish for the programs where its pages give one (certificación laboral permanente,
# salario prevaleciente, trabajadores agrícolas temporales H-2A); the rest are Caseline's
# translations. Form numbers stay as DOL prints them.
CASE_TYPE_NAMES: dict[str, dict[str, str]] = {
    "es": {
        "PERM": "Certificación laboral permanente (ETA-9089)",
        "PW": "Determinación del salario prevaleciente (ETA-9141)",
        "LCA": "Solicitud de condiciones laborales (ETA-9035)",
        "H-2A": "Certificación laboral temporal agrícola H-2A (ETA-9142A)",
        "H-2B": "Certificación laboral temporal no agrícola H-2B (ETA-9142B)",
        "CW-1": "Certificación laboral de trabajador de transición CW-1, solo para la CNMI"
                " (ETA-9142C)",
    },
}

# The office that decides each program's cases (appeals go to BALCA).
PROGRAM_OFFICES: dict[str, str] = {
    "PERM": ATLANTA, "PW": NPWC, "LCA": CHICAGO, "H-2A": CHICAGO, "H-2B": CHICAGO,
    "CW-1": CHICAGO,
}


def program_of(case_type: str) -> str | None:
    """The mapping-table program for a case type (the case type itself), or None if unknown."""
    key = case_type.strip().upper()
    return key if key in CASE_TYPES else None
