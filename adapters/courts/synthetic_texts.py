"""EOIR's own wording for each status, as its case portal and notices phrase them.

Templates are ``str.format`` strings. Fields: ``d`` event date, ``j`` judge, ``court`` court
name, ``addr`` court address, ``when`` hearing date and time, ``kind`` hearing kind ("master"),
``medium`` hearing medium, ``old`` previous hearing date, ``due`` deadline, and a few
event-specific ones named in place.
"""

from __future__ import annotations

__all__ = ["DECISIONS", "HEARING_KINDS", "MEDIUM_TEXT", "NOTICES"]

HEARING_KINDS = {
    "MASTER": "master",
    "INDIVIDUAL": "individual",
    "BOND": "bond",
    "FEAR": "fear review",
}

MEDIUM_TEXT = {
    "IN_PERSON": "In person",
    "VIDEO": "Video (internet-based hearing)",
    "TELEPHONIC": "Telephonic",
}

_SCHEDULED = (
    "Your next {kind} hearing date is {when} before Immigration Judge {j}. Hearing location:"
    " {court}, {addr}. Hearing medium: {medium}."
)

# Notices and procedural steps, keyed by the status code they accompany.
NOTICES: dict[str, str] = {
    "NOTICE TO APPEAR FILED": (
        "On {d}, the Department of Homeland Security filed a Notice to Appear (Form I-862) with"
        " the {court}. Removal proceedings have begun for A-Number {anum}."
    ),
    "NOTICE OF REFERRAL TO IMMIGRATION JUDGE FILED": (
        "On {d}, the Department of Homeland Security filed a Notice of Referral to Immigration"
        " Judge (Form I-863) with the {court} for {purpose}."
    ),
    "BOND REDETERMINATION REQUEST RECEIVED": (
        "On {d}, the {court} received a request for a custody redetermination (bond) hearing."
        " DHS custody determination: {dhs_bond}."
    ),
    "MASTER HEARING SCHEDULED": _SCHEDULED,
    "INDIVIDUAL HEARING SCHEDULED": _SCHEDULED,
    "BOND HEARING SCHEDULED": _SCHEDULED,
    "FEAR REVIEW HEARING SCHEDULED": _SCHEDULED,
    "HEARING RESCHEDULED": (
        "Your {kind} hearing previously scheduled for {old} has been rescheduled. Your next"
        " {kind} hearing date is {when} before Immigration Judge {j}. Hearing location: {court},"
        " {addr}. Hearing medium: {medium}."
    ),
    "HEARING CANCELLED": (
        "Your {kind} hearing scheduled for {old} has been cancelled. A new hearing notice will"
        " be mailed to you."
    ),
    "HEARING ADJOURNED": (
        "Your {kind} hearing on {d} before Immigration Judge {j} was adjourned. Adjournment"
        " reason: {reason}."
    ),
    "HEARING COMPLETED": "Your {kind} hearing was held on {d} before Immigration Judge {j}.",
    "PLEADINGS TAKEN": (
        "Your master hearing was held on {d} before Immigration Judge {j}. Pleadings were taken"
        " and the case was set for an individual hearing."
    ),
    "DECISION RESERVED": (
        "Immigration Judge {j} reserved decision at the end of your individual hearing on {d}."
        " A written decision will be served by mail."
    ),
    "FILING DEADLINE SET": (
        "Immigration Judge {j} set a filing deadline of {due} for applications, evidence and"
        " supporting documents."
    ),
    "FILING RECEIVED": "On {d}, the court received a filing in your case: {doc}.",
    "ASYLUM APPLICATION FILED": (
        "On {d}, your Form I-589, Application for Asylum and for Withholding of Removal, was"
        " lodged with the {court}."
    ),
    "APPLICATION FOR RELIEF FILED": "On {d}, your {form} was filed with the {court}.",
    "BIOMETRICS INSTRUCTIONS PROVIDED": (
        "On {d}, Immigration Judge {j} provided the DHS biometrics instructions. Fingerprints"
        " and photographs must be taken by USCIS before your next hearing."
    ),
    "ASYLUM EAD CLOCK STOPPED": (
        "The asylum EAD clock stopped on {d}: the adjournment was requested by the respondent."
    ),
    "ASYLUM EAD CLOCK RESTARTED": "The asylum EAD clock resumed running on {d}.",
    "REPRESENTATIVE ENTERED APPEARANCE": (
        "On {d}, a Form EOIR-28, Notice of Entry of Appearance as Attorney or Representative"
        " before the Immigration Court, was filed on your behalf."
    ),
    "CHANGE OF ADDRESS RECEIVED": (
        "On {d}, the court received a change of address (Form EOIR-33/IC)."
    ),
    "HEARING NOTICE RETURNED UNDELIVERABLE": (
        "A hearing notice mailed to your address of record was returned to the court as"
        " undeliverable on {d}."
    ),
    "MOTION TO CHANGE VENUE FILED": (
        "On {d}, a motion to change venue to the {new_court} was filed."
    ),
    "CHANGE OF VENUE GRANTED": (
        "On {d}, Immigration Judge {j} granted the motion to change venue. Your case has been"
        " transferred to the {new_court}, {new_addr}."
    ),
    "CHANGE OF VENUE DENIED": "On {d}, Immigration Judge {j} denied the motion to change venue.",
    "MOTION TO REOPEN FILED": "On {d}, the {court} received a motion to reopen.",
    "MOTION TO REOPEN GRANTED": (
        "On {d}, Immigration Judge {j} GRANTED the motion to reopen. Your case will be placed"
        " back on the court's calendar."
    ),
    "MOTION TO REOPEN DENIED": (
        "On {d}, Immigration Judge {j} DENIED the motion to reopen. Any appeal must be received"
        " by the Board of Immigration Appeals by {due}."
    ),
    "CASE RECALENDARED": (
        "On {d}, your case was recalendared at the {court}. A hearing notice will follow."
    ),
    "STAY OF REMOVAL GRANTED": (
        "On {d}, Immigration Judge {j} GRANTED a stay of removal pending a decision on the"
        " motion."
    ),
    "STAY OF REMOVAL DENIED": (
        "On {d}, Immigration Judge {j} DENIED the request for a stay of removal."
    ),
    "APPEAL RECEIVED AT BIA": (
        "An appeal was received by the Board of Immigration Appeals on {d}. It is still"
        " pending."
    ),
    "DHS APPEAL RECEIVED AT BIA": (
        "An appeal filed by the Department of Homeland Security was received by the Board of"
        " Immigration Appeals on {d}. It is still pending."
    ),
    "APPEAL REJECTED": (
        "On {d}, the Board of Immigration Appeals rejected the Notice of Appeal (Form EOIR-26)"
        " because {reason}. A corrected appeal must be received by {due}."
    ),
    "BRIEFING SCHEDULE ISSUED": (
        "On {d}, the Board of Immigration Appeals issued a briefing schedule and the"
        " transcript of proceedings. Brief due: {due}."
    ),
    "BRIEFING EXTENSION GRANTED": (
        "On {d}, the Board of Immigration Appeals extended the briefing schedule. Brief now"
        " due: {due}."
    ),
    "BRIEF RECEIVED": "The Board of Immigration Appeals received the respondent's brief on {d}.",
    "DHS BRIEF RECEIVED": (
        "The Board of Immigration Appeals received the Department of Homeland Security's brief"
        " on {d}."
    ),
    "APPEAL PENDING AT BIA": (
        "Briefing closed on {d}. The appeal is pending before the Board of Immigration Appeals."
    ),
    "FEDERAL COURT PETITION FOR REVIEW FILED": (
        "On {d}, a petition for review of the decision of the Board of Immigration Appeals was"
        " filed with the U.S. Court of Appeals for the {circuit} Circuit."
    ),
    "FEDERAL COURT PETITION FOR REVIEW DENIED": (
        "On {d}, the U.S. Court of Appeals for the {circuit} Circuit DENIED the petition for"
        " review."
    ),
    "REMANDED BY FEDERAL COURT": (
        "On {d}, the U.S. Court of Appeals for the {circuit} Circuit GRANTED the petition for"
        " review and REMANDED the case to the Board of Immigration Appeals."
    ),
}

_APPEAL_BY = " Any appeal must be received by the Board of Immigration Appeals by {due}."
_REVIEW_BY = " A petition for review must be filed with the U.S. Court of Appeals by {due}."
_IJ = "On {d}, Immigration Judge {j} of the {court} "

# Decisions: immigration judges' orders and Board decisions.
DECISIONS: dict[str, str] = {
    "RELIEF GRANTED": _IJ + "GRANTED your {form}.",
    "ASYLUM GRANTED": _IJ + "GRANTED your application for asylum.",
    "WITHHOLDING OF REMOVAL GRANTED": (
        _IJ + "GRANTED withholding of removal under section 241(b)(3) of the Act."
    ),
    "CAT PROTECTION GRANTED": _IJ + "GRANTED protection under the Convention Against Torture.",
    "CANCELLATION OF REMOVAL GRANTED": _IJ + "GRANTED cancellation of removal.",
    "ADJUSTMENT OF STATUS GRANTED": (
        _IJ + "GRANTED adjustment of status to lawful permanent resident."
    ),
    "REMOVAL ORDERED": _IJ + "ORDERED you REMOVED from the United States." + _APPEAL_BY,
    "IN ABSENTIA REMOVAL ORDER": (
        _IJ + "ORDERED you REMOVED IN ABSENTIA because you did not appear at your {kind}"
        " hearing."
    ),
    "VOLUNTARY DEPARTURE GRANTED": (
        _IJ + "GRANTED voluntary departure. You must depart the United States on or before"
        " {due}, or the alternate order of removal takes effect."
    ),
    "APPLICATION FOR RELIEF DENIED": _IJ + "DENIED your application for {what}." + _APPEAL_BY,
    "PROCEEDINGS TERMINATED": _IJ + "TERMINATED proceedings.",
    "ADMINISTRATIVELY CLOSED": _IJ + "ADMINISTRATIVELY CLOSED your case.",
    "DISMISSED": (
        _IJ + "DISMISSED proceedings on the motion of the Department of Homeland Security."
    ),
    "NEGATIVE CREDIBLE FEAR FINDING AFFIRMED": (
        _IJ + "reviewed the negative credible fear determination and AFFIRMED the asylum"
        " officer's decision. The case is returned to the Department of Homeland Security."
    ),
    "NEGATIVE CREDIBLE FEAR FINDING VACATED": (
        _IJ + "reviewed the negative credible fear determination and VACATED the asylum"
        " officer's decision. The case is returned to the Department of Homeland Security for"
        " further proceedings."
    ),
    "NEGATIVE REASONABLE FEAR FINDING AFFIRMED": (
        _IJ + "reviewed the negative reasonable fear determination and AFFIRMED the asylum"
        " officer's decision. The case is returned to the Department of Homeland Security."
    ),
    "NEGATIVE REASONABLE FEAR FINDING VACATED": (
        _IJ + "reviewed the negative reasonable fear determination and VACATED the asylum"
        " officer's decision. You may apply for withholding of removal before the immigration"
        " judge."
    ),
    "BOND GRANTED": (
        _IJ + "ordered that you be released from custody under bond of {amount}."
    ),
    "BOND REDETERMINED": _IJ + "redetermined the bond set by DHS from {old_amount} to {amount}.",
    "BOND DENIED": _IJ + "DENIED the request for a change in custody status: {what}.",
    "BOND REQUEST WITHDRAWN": "On {d}, the request for a custody redetermination was withdrawn.",
    "BIA DECISION: APPEAL DISMISSED": (
        "On {d}, the Board of Immigration Appeals DISMISSED the appeal." + _REVIEW_BY
    ),
    "BIA DECISION: APPEAL SUSTAINED": (
        "On {d}, the Board of Immigration Appeals SUSTAINED the appeal."
    ),
    "BIA DECISION: REMANDED": (
        "On {d}, the Board of Immigration Appeals REMANDED the record to the {court} for"
        " further proceedings."
    ),
    "BIA DECISION: SUMMARILY DISMISSED": (
        "On {d}, the Board of Immigration Appeals SUMMARILY DISMISSED the appeal." + _REVIEW_BY
    ),
    "BIA DECISION: AFFIRMED WITHOUT OPINION": (
        "On {d}, the Board of Immigration Appeals AFFIRMED, without opinion, the decision of"
        " the immigration judge." + _REVIEW_BY
    ),
    "BIA DECISION: APPEAL ADMINISTRATIVELY CLOSED": (
        "On {d}, the Board of Immigration Appeals ADMINISTRATIVELY CLOSED the appeal."
    ),
    "BIA DECISION: DHS APPEAL DISMISSED": (
        "On {d}, the Board of Immigration Appeals DISMISSED the appeal of the Department of"
        " Homeland Security. The decision of the immigration judge stands."
    ),
    "BIA DECISION: DHS APPEAL SUSTAINED": (
        "On {d}, the Board of Immigration Appeals SUSTAINED the appeal of the Department of"
        " Homeland Security and ORDERED you REMOVED from the United States." + _REVIEW_BY
    ),
    "APPEAL WITHDRAWN": (
        "On {d}, the appeal was withdrawn. The decision of the immigration judge is final."
    ),
}
