"""What is true of EOIR whatever its caseload: its proceeding types (case types), its courts and
the Board, and that its codes are not qualified by proceeding type.

Court names and street addresses are EOIR's published ones (justice.gov/eoir court pages).
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "BIA_NAME",
    "CASE_TYPES",
    "CASE_TYPE_NAMES",
    "COURTS",
    "DETAINED_COURTS",
    "NON_DETAINED_COURTS",
    "Court",
    "program_of",
]

CASE_TYPES: dict[str, str] = {
    "REMOVAL": "Removal Proceedings",
    "BOND": "Bond (Custody Redetermination) Proceedings",
    "ASYLUM_ONLY": "Asylum-Only Proceedings",
    "WITHHOLDING_ONLY": "Withholding-Only Proceedings",
    "CREDIBLE_FEAR_REVIEW": "Credible Fear Review",
    "REASONABLE_FEAR_REVIEW": "Reasonable Fear Review",
}

# The proceedings' names in other languages, by BCP 47 tag. Spanish: the words EOIR's Spanish
# materials use for them (procedimientos de expulsión, asilo, temor creíble, temor razonable,
# revisión de custodia o fianza); the names as a whole are Caseline's translations.
CASE_TYPE_NAMES: dict[str, dict[str, str]] = {
    "es": {
        "REMOVAL": "Procedimiento de expulsión",
        "BOND": "Procedimiento de fianza (revisión de la custodia)",
        "ASYLUM_ONLY": "Procedimiento solo de asilo",
        "WITHHOLDING_ONLY": "Procedimiento solo de suspensión de la expulsión",
        "CREDIBLE_FEAR_REVIEW": "Revisión de temor creíble",
        "REASONABLE_FEAR_REVIEW": "Revisión de temor razonable",
    },
}


def program_of(case_type: str) -> str | None:
    """EOIR codes mean the same in every proceeding type, so the table is not program-qualified."""
    return None


class Court(NamedTuple):
    """An immigration court location as hearing notices name it."""

    name: str
    address: str
    zone: str  # IANA time zone of the courtroom
    circuit: str  # federal circuit that hears petitions for review from this court
    detained: bool  # hears the detained docket (bond, withholding-only, fear reviews)


BIA_NAME = "Board of Immigration Appeals"

COURTS: tuple[Court, ...] = (
    Court("New York - Broadway Immigration Court",
          "290 Broadway, 12th Floor, New York, NY 10007", "America/New_York", "Second", False),
    Court("New York - Federal Plaza Immigration Court",
          "26 Federal Plaza, 12th Floor, Room 1237, New York, NY 10278", "America/New_York",
          "Second", False),
    Court("Newark Immigration Court",
          "970 Broad Street, Room 1200, Newark, NJ 07102", "America/New_York", "Third", False),
    Court("Arlington Immigration Court",
          "1901 South Bell Street, Suite 200, Arlington, VA 22202", "America/New_York",
          "Fourth", True),
    Court("Atlanta - W. Peachtree Street Immigration Court",
          "401 W. Peachtree Street, Suite 2600, Atlanta, GA 30308", "America/New_York",
          "Eleventh", False),
    Court("Miami Immigration Court",
          "One Riverview Square, 333 S. Miami Avenue, Suite 700, Miami, FL 33130",
          "America/New_York", "Eleventh", False),
    Court("Krome North SPC Immigration Court",
          "18201 SW 12th Street, Miami, FL 33194", "America/New_York", "Eleventh", True),
    Court("Chicago Immigration Court",
          "55 E. Monroe Street, Suite 1500, Chicago, IL 60603", "America/Chicago", "Seventh",
          False),
    Court("Dallas Immigration Court",
          "1100 Commerce Street, Suite 1060, Dallas, TX 75242", "America/Chicago", "Fifth", True),
    Court("Houston - S. Gessner Road Immigration Court",
          "8701 S. Gessner Road, 10th Floor, Houston, TX 77074", "America/Chicago", "Fifth",
          False),
    Court("San Francisco Immigration Court",
          "100 Montgomery Street, Suite 800, San Francisco, CA 94104", "America/Los_Angeles",
          "Ninth", False),
    Court("Los Angeles - N. Los Angeles Street Immigration Court",
          "300 North Los Angeles Street, Room 4330, Los Angeles, CA 90012",
          "America/Los_Angeles", "Ninth", True),
    Court("Los Angeles - Van Nuys Boulevard Immigration Court",
          "6230 Van Nuys Blvd., 3rd Floor, Suite 300, Van Nuys, CA 91401",
          "America/Los_Angeles", "Ninth", False),
)

DETAINED_COURTS: tuple[Court, ...] = tuple(court for court in COURTS if court.detained)
NON_DETAINED_COURTS: tuple[Court, ...] = tuple(court for court in COURTS if not court.detained)
