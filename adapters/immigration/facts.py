"""What is true of USCIS whatever its caseload: the forms people file (case types), the offices
that issue receipts for each form, and that its status titles are not qualified by form."""

from __future__ import annotations

__all__ = ["CASE_TYPES", "CASE_TYPE_NAMES", "RECEIPT_OFFICES", "program_of"]

CASE_TYPES: dict[str, str] = {
    "I-130": "Petition for Alien Relative",
    "I-140": "Immigrant Petition for Alien Workers",
    "I-485": "Application to Register Permanent Residence or Adjust Status",
    "I-765": "Application for Employment Authorization",
    "I-131": "Application for Travel Document",
    "I-589": "Application for Asylum and for Withholding of Removal",
    "N-400": "Application for Naturalization",
    "I-90": "Application to Replace Permanent Resident Card",
    "I-751": "Petition to Remove Conditions on Residence",
    "I-129": "Petition for a Nonimmigrant Worker",
    "I-539": "Application to Extend/Change Nonimmigrant Status",
    "I-129F": "Petition for Alien Fiance(e)",
    "I-821D": "Consideration of Deferred Action for Childhood Arrivals",
    "I-360": "Petition for Amerasian, Widow(er), or Special Immigrant",
    "I-601A": "Application for Provisional Unlawful Presence Waiver",
}

# The forms' names in other languages, by BCP 47 tag. Spanish: the titles USCIS itself gives the
# forms on its Spanish site (uscis.gov/es, "Formularios"), e.g. "I-485, Solicitud de Registro de
# Residencia Permanente o Ajustar Estatus" as the site's list of most-used forms spells it.
# I-131 keeps the name of the English entry above (the form's pre-2024 title), in USCIS's
# Spanish for it.
CASE_TYPE_NAMES: dict[str, dict[str, str]] = {
    "es": {
        "I-130": "Petición de Familiar Extranjero",
        "I-140": "Petición de Inmigrante para Trabajador Extranjero",
        "I-485": "Solicitud de Registro de Residencia Permanente o Ajustar Estatus",
        "I-765": "Solicitud de Autorización de Empleo",
        "I-131": "Solicitud de Documento de Viaje",
        "I-589": "Solicitud de Asilo y de Suspensión de Remoción",
        "N-400": "Solicitud de Naturalización",
        "I-90": "Solicitud para Reemplazar la Tarjeta de Residente Permanente",
        "I-751": "Petición para Cancelar las Condiciones de Residencia",
        "I-129": "Petición para Trabajador No Inmigrante",
        "I-539": "Solicitud para Extender/Cambiar Estatus de No Inmigrante",
        "I-129F": "Petición de Prometido(a) Extranjero(a)",
        "I-821D": "Consideración de Acción Diferida para los Llegados en la Infancia",
        "I-360": "Petición para Amerasiático, Viudo(a), o Inmigrante Especial",
        "I-601A": "Solicitud de Exención Provisional por Presencia Ilegal",
    },
}

# Which offices issue receipts for each form: (receipt-number prefix, office handling it).
RECEIPT_OFFICES: dict[str, tuple[tuple[str, str], ...]] = {
    "I-130": (("IOE", "Potomac Service Center"), ("NBC", "National Benefits Center"),
              ("EAC", "Vermont Service Center")),
    "I-140": (("LIN", "Nebraska Service Center"), ("SRC", "Texas Service Center")),
    "I-485": (("MSC", "National Benefits Center"), ("LIN", "Nebraska Service Center")),
    "I-765": (("IOE", "Potomac Service Center"), ("MSC", "National Benefits Center")),
    "I-131": (("IOE", "Potomac Service Center"), ("MSC", "National Benefits Center")),
    "I-589": (("YSC", "Potomac Service Center"), ("WAC", "California Service Center")),
    "N-400": (("IOE", "Potomac Service Center"), ("NBC", "National Benefits Center")),
    "I-90": (("IOE", "Potomac Service Center"), ("MSC", "National Benefits Center")),
    "I-751": (("IOE", "Potomac Service Center"), ("WAC", "California Service Center")),
    "I-129": (("WAC", "California Service Center"), ("EAC", "Vermont Service Center")),
    "I-539": (("IOE", "Potomac Service Center"), ("SRC", "Texas Service Center")),
    "I-129F": (("WAC", "California Service Center"),),
    "I-821D": (("IOE", "Potomac Service Center"),),
    "I-360": (("EAC", "Vermont Service Center"),),
    "I-601A": (("NBC", "National Benefits Center"),),
}


def program_of(case_type: str) -> str | None:
    """USCIS titles are not qualified by form."""
    return None
