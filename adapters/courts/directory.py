"""Static reference data for the courts history generator: courts, judges, wording pools.

Court names and street addresses are EOIR's published ones (justice.gov/eoir court pages).
Judge names are fictional: generated histories must never attribute rulings to real judges.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "ADJOURNMENT_REASONS",
    "APPEAL_REJECTION_REASONS",
    "BIA_NAME",
    "COURTS",
    "DETAINED_COURTS",
    "FILING_DOCUMENTS",
    "FIRST_MASTER_REASONS",
    "NON_DETAINED_COURTS",
    "PERSONA_COURT",
    "RELIEF_FORMS",
    "Court",
]


class Court(NamedTuple):
    """An immigration court location as hearing notices name it."""

    name: str
    address: str
    zone: str  # IANA time zone of the courtroom
    circuit: str  # federal circuit that hears petitions for review from this court
    detained: bool  # hears the detained docket (bond, withholding-only, fear reviews)
    judges: tuple[str, ...]


BIA_NAME = "Board of Immigration Appeals"

COURTS: tuple[Court, ...] = (
    Court("New York - Broadway Immigration Court",
          "290 Broadway, 12th Floor, New York, NY 10007", "America/New_York", "Second", False,
          ("Harriet V. Solano", "Desmond K. Whitfield", "Ingrid M. Castellanos",
           "Raymond T. Ostrowski")),
    Court("New York - Federal Plaza Immigration Court",
          "26 Federal Plaza, 12th Floor, Room 1237, New York, NY 10278", "America/New_York",
          "Second", False,
          ("Colette A. Marchetti", "Bernard J. Okafor", "Lydia S. Varga", "Tobias R. Lindqvist")),
    Court("Newark Immigration Court",
          "970 Broad Street, Room 1200, Newark, NJ 07102", "America/New_York", "Third", False,
          ("Priscilla N. Abernathy", "Gordon E. Halvorsen", "Marisol Quintanilla-Reyes")),
    Court("Arlington Immigration Court",
          "1901 South Bell Street, Suite 200, Arlington, VA 22202", "America/New_York",
          "Fourth", True,
          ("Winifred L. Ashcombe", "Caleb J. Ferreira", "Nadia P. Koval", "Everett H. Mansell")),
    Court("Atlanta - W. Peachtree Street Immigration Court",
          "401 W. Peachtree Street, Suite 2600, Atlanta, GA 30308", "America/New_York",
          "Eleventh", False,
          ("Loretta M. Beauchamp", "Anselm D. Crowther", "Yvette R. Delacroix")),
    Court("Miami Immigration Court",
          "One Riverview Square, 333 S. Miami Avenue, Suite 700, Miami, FL 33130",
          "America/New_York", "Eleventh", False,
          ("Rosalind C. Echeverría", "Julian F. Pettigrew", "Marguerite O. Salgado",
           "Thaddeus W. Brennan")),
    Court("Krome North SPC Immigration Court",
          "18201 SW 12th Street, Miami, FL 33194", "America/New_York", "Eleventh", True,
          ("Cornelius B. Ridgeway", "Estela V. Arredondo")),
    Court("Chicago Immigration Court",
          "55 E. Monroe Street, Suite 1500, Chicago, IL 60603", "America/Chicago", "Seventh",
          False,
          ("Agnieszka T. Wolanski", "Percival G. Hendry", "Consuelo A. Barrientos",
           "Mortimer J. Eckhart")),
    Court("Dallas Immigration Court",
          "1100 Commerce Street, Suite 1060, Dallas, TX 75242", "America/Chicago", "Fifth", True,
          ("Beatrix L. Thornquist", "Ignacio R. Valderrama", "Wendell S. Pruitt")),
    Court("Houston - S. Gessner Road Immigration Court",
          "8701 S. Gessner Road, 10th Floor, Houston, TX 77074", "America/Chicago", "Fifth",
          False,
          ("Octavia N. Rutledge", "Florian M. Castañeda", "Delphine K. Ashworth")),
    Court("San Francisco Immigration Court",
          "100 Montgomery Street, Suite 800, San Francisco, CA 94104", "America/Los_Angeles",
          "Ninth", False,
          ("Evangeline R. Takahara", "Leopold S. Winterbourne", "Graciela M. Ochoa-Lindgren")),
    Court("Los Angeles - N. Los Angeles Street Immigration Court",
          "300 North Los Angeles Street, Room 4330, Los Angeles, CA 90012",
          "America/Los_Angeles", "Ninth", True,
          ("Marcellus D. Quimby", "Adelaide F. Serrano", "Rupert K. Nakashima")),
    Court("Los Angeles - Van Nuys Boulevard Immigration Court",
          "6230 Van Nuys Blvd., 3rd Floor, Suite 300, Van Nuys, CA 91401",
          "America/Los_Angeles", "Ninth", False,
          ("Henrietta J. Valcourt", "Osvaldo P. Figueroa", "Clementine A. Harwell")),
)

PERSONA_COURT = COURTS[0]
DETAINED_COURTS: tuple[Court, ...] = tuple(court for court in COURTS if court.detained)
NON_DETAINED_COURTS: tuple[Court, ...] = tuple(court for court in COURTS if not court.detained)

# EOIR adjournment reasons as its case data names them, in the court's own words.
ADJOURNMENT_REASONS: tuple[str, ...] = (
    "Respondent to seek representation",
    "Preparation time for merits hearing",
    "Respondent to file application for relief",
    "Pleadings taken; further master calendar hearing required",
    "Immigration judge initiated",
    "DHS to complete identity, law enforcement or security investigations",
    "Interpreter not available",
    "Court operational needs",
)
# The reasons that fit a first master hearing, where most respondents come unrepresented.
FIRST_MASTER_REASONS: tuple[str, ...] = ADJOURNMENT_REASONS[:3]

RELIEF_FORMS: tuple[tuple[str, str], ...] = (
    # (form named on the filing notice, decision code when granted)
    ("Form EOIR-42B, Application for Cancellation of Removal and Adjustment of Status for"
     " Certain Nonpermanent Residents", "CANCELLATION OF REMOVAL GRANTED"),
    ("Form EOIR-42A, Application for Cancellation of Removal for Certain Permanent Residents",
     "CANCELLATION OF REMOVAL GRANTED"),
    ("Form I-485, Application to Register Permanent Residence or Adjust Status",
     "ADJUSTMENT OF STATUS GRANTED"),
    ("Form I-601, Application for Waiver of Grounds of Inadmissibility", "RELIEF GRANTED"),
)

FILING_DOCUMENTS: tuple[str, ...] = (
    "evidence and supporting documents",
    "witness list",
    "written pleadings",
    "country conditions evidence",
    "proof of DHS biometrics appointment",
)

APPEAL_REJECTION_REASONS: tuple[str, ...] = (
    "the filing fee or a fee waiver request was not included",
    "proof of service on DHS was missing",
    "the Notice of Appeal was not signed",
)
