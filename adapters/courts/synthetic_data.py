"""Static data for the EOIR demo-data generator: fictional judges, wording pools, and the shares,
calendars and outcomes generated dockets follow.

Judge names are fictional: generated histories must never attribute rulings to real judges.
"""

from __future__ import annotations

__all__ = [
    "ADJOURNMENT_REASONS",
    "APPEAL_REJECTION_REASONS",
    "ASYLUM_DECISIONS",
    "ASYLUM_ONLY_DECISIONS",
    "BIA_DECISIONS",
    "BOND_AMOUNTS",
    "BOND_BIA_DECISIONS",
    "BOND_SLOTS",
    "CASE_TYPE_SHARES",
    "DHS_BIA_DECISIONS",
    "FILING_DOCUMENTS",
    "FINAL_ADVERSE",
    "FIRST_MASTER_REASONS",
    "FORM_DECISIONS",
    "GRANTS",
    "INDIVIDUAL_SLOTS",
    "JUDGES",
    "MASTER_SLOTS",
    "NO_RELIEF_DECISIONS",
    "RELIEF_FORMS",
    "WITHHOLDING_ONLY_DECISIONS",
    "Table",
]

# Each court's bench, by the court's name in facts.COURTS; the first judge hears the persona.
JUDGES: dict[str, tuple[str, ...]] = {
    "New York - Broadway Immigration Court":
        ("Harriet V. Solano", "Desmond K. Whitfield", "Ingrid M. Castellanos",
         "Raymond T. Ostrowski"),
    "New York - Federal Plaza Immigration Court":
        ("Colette A. Marchetti", "Bernard J. Okafor", "Lydia S. Varga", "Tobias R. Lindqvist"),
    "Newark Immigration Court":
        ("Priscilla N. Abernathy", "Gordon E. Halvorsen", "Marisol Quintanilla-Reyes"),
    "Arlington Immigration Court":
        ("Winifred L. Ashcombe", "Caleb J. Ferreira", "Nadia P. Koval", "Everett H. Mansell"),
    "Atlanta - W. Peachtree Street Immigration Court":
        ("Loretta M. Beauchamp", "Anselm D. Crowther", "Yvette R. Delacroix"),
    "Miami Immigration Court":
        ("Rosalind C. Echeverría", "Julian F. Pettigrew", "Marguerite O. Salgado",
         "Thaddeus W. Brennan"),
    "Krome North SPC Immigration Court":
        ("Cornelius B. Ridgeway", "Estela V. Arredondo"),
    "Chicago Immigration Court":
        ("Agnieszka T. Wolanski", "Percival G. Hendry", "Consuelo A. Barrientos",
         "Mortimer J. Eckhart"),
    "Dallas Immigration Court":
        ("Beatrix L. Thornquist", "Ignacio R. Valderrama", "Wendell S. Pruitt"),
    "Houston - S. Gessner Road Immigration Court":
        ("Octavia N. Rutledge", "Florian M. Castañeda", "Delphine K. Ashworth"),
    "San Francisco Immigration Court":
        ("Evangeline R. Takahara", "Leopold S. Winterbourne", "Graciela M. Ochoa-Lindgren"),
    "Los Angeles - N. Los Angeles Street Immigration Court":
        ("Marcellus D. Quimby", "Adelaide F. Serrano", "Rupert K. Nakashima"),
    "Los Angeles - Van Nuys Boulevard Immigration Court":
        ("Henrietta J. Valcourt", "Osvaldo P. Figueroa", "Clementine A. Harwell"),
}

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

# Local start times (minutes after midnight) EOIR calendars use; all within 8:00-15:00.
MASTER_SLOTS = (510, 540, 570, 600, 630, 780, 810, 840)
INDIVIDUAL_SLOTS = (510, 540, 780, 810)
BOND_SLOTS = (480, 510, 540, 600, 660, 780, 840, 900)

# Decision tables: (cumulative probability, code); the last row catches the remainder.
Table = tuple[tuple[float, str], ...]
ASYLUM_DECISIONS: Table = (
    (0.28, "ASYLUM GRANTED"), (0.33, "WITHHOLDING OF REMOVAL GRANTED"),
    (0.35, "CAT PROTECTION GRANTED"), (0.80, "REMOVAL ORDERED"),
    (0.88, "VOLUNTARY DEPARTURE GRANTED"), (0.92, "PROCEEDINGS TERMINATED"),
    (0.96, "ADMINISTRATIVELY CLOSED"), (1.0, "DISMISSED"))
# "" stands for the relief the respondent applied for (see RELIEF_FORMS).
FORM_DECISIONS: Table = (
    (0.45, ""), (0.80, "REMOVAL ORDERED"), (0.95, "VOLUNTARY DEPARTURE GRANTED"),
    (1.0, "PROCEEDINGS TERMINATED"))
NO_RELIEF_DECISIONS: Table = (
    (0.55, "REMOVAL ORDERED"), (0.90, "VOLUNTARY DEPARTURE GRANTED"),
    (1.0, "PROCEEDINGS TERMINATED"))
ASYLUM_ONLY_DECISIONS: Table = (
    (0.25, "ASYLUM GRANTED"), (0.31, "WITHHOLDING OF REMOVAL GRANTED"),
    (0.34, "CAT PROTECTION GRANTED"), (1.0, "APPLICATION FOR RELIEF DENIED"))
WITHHOLDING_ONLY_DECISIONS: Table = (
    (0.12, "WITHHOLDING OF REMOVAL GRANTED"), (0.18, "CAT PROTECTION GRANTED"),
    (1.0, "APPLICATION FOR RELIEF DENIED"))
GRANTS = frozenset({"RELIEF GRANTED", "ASYLUM GRANTED", "WITHHOLDING OF REMOVAL GRANTED",
                    "CAT PROTECTION GRANTED", "CANCELLATION OF REMOVAL GRANTED",
                    "ADJUSTMENT OF STATUS GRANTED"})
BIA_DECISIONS: Table = (
    (0.62, "BIA DECISION: APPEAL DISMISSED"), (0.68, "BIA DECISION: AFFIRMED WITHOUT OPINION"),
    (0.76, "BIA DECISION: APPEAL SUSTAINED"), (0.91, "BIA DECISION: REMANDED"),
    (0.96, "APPEAL WITHDRAWN"), (1.0, "BIA DECISION: APPEAL ADMINISTRATIVELY CLOSED"))
DHS_BIA_DECISIONS: Table = (
    (0.70, "BIA DECISION: DHS APPEAL DISMISSED"), (0.85, "BIA DECISION: DHS APPEAL SUSTAINED"),
    (1.0, "BIA DECISION: REMANDED"))
BOND_BIA_DECISIONS: Table = (
    (0.75, "BIA DECISION: APPEAL DISMISSED"), (0.90, "BIA DECISION: APPEAL SUSTAINED"),
    (1.0, "APPEAL WITHDRAWN"))
FINAL_ADVERSE = frozenset({"BIA DECISION: APPEAL DISMISSED", "BIA DECISION: SUMMARILY DISMISSED",
                           "BIA DECISION: AFFIRMED WITHOUT OPINION",
                           "BIA DECISION: DHS APPEAL SUSTAINED"})
BOND_AMOUNTS = (1500, 3000, 5000, 7500, 10000, 12500, 15000, 20000, 25000)
# Share of each proceeding type among generated cases, cumulative.
CASE_TYPE_SHARES: Table = (
    (0.78, "REMOVAL"), (0.87, "BOND"), (0.89, "ASYLUM_ONLY"), (0.93, "WITHHOLDING_ONLY"),
    (0.98, "CREDIBLE_FEAR_REVIEW"), (1.0, "REASONABLE_FEAR_REVIEW"))
