"""`caseline vocab`: inspect and lint agencies' mapping tables (the shared vocabulary)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from adapters.reference.catalog import REFERENCE_AGENCIES, profile
from adapters.sdk.mapping import MATCH_KINDS, MappingTable, lint_table
from adapters.sdk.numbers import InvalidNumberError
from adapters.sdk.profile import AgencyProfile
from adapters.sdk.resolution import AMBIGUOUS, NONE, VARIANT, resolve

__all__ = ["vocab"]

AGENCY = click.Choice(REFERENCE_AGENCIES)


@click.group()
def vocab() -> None:
    """Inspect and lint agencies' mapping tables."""


def _known_codes(path: Path) -> list[tuple[str | None, str]]:
    codes: list[tuple[str | None, str]] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        program, sep, code = line.partition("|")
        codes.append((program.strip(), code.strip()) if sep else (None, line))
    return codes


@vocab.command("map")
@click.argument("agency", type=AGENCY)
@click.argument("texts", nargs=-1, required=True)
@click.option("--program", default=None, help="Program qualifier (labor: PERM, PW, LCA, ...).")
@click.option("--case-number", default=None,
              help="A case number to read the program from (labor: G-100-..., I-200-...).")
def vocab_map(agency: str, texts: tuple[str, ...], program: str | None,
              case_number: str | None) -> None:
    """Print what each code or title maps to, one JSON object per line ('-' reads stdin;
    blank lines and lines starting with '#' are skipped there), and how it matched: "EXACT",
    "VARIANT" (an unseen variant of a known title), "AMBIGUOUS" or "NONE". A summary of the
    counts per match goes to stderr; the exit status is 1 when any input matched nothing.

    A text may be written PROGRAM|CODE or CASE-NUMBER|CODE. With neither (and no --program
    or --case-number), a code that means the same in every program that uses it maps, and
    one whose meaning differs is "AMBIGUOUS" with its candidates.
    """
    agency_profile = profile(agency)
    table = MappingTable.load(agency_profile.mapping_path)
    if case_number is not None:
        try:
            program = agency_profile.program_of_number(case_number) or program
        except InvalidNumberError as exc:
            raise click.BadParameter(str(exc), param_hint="--case-number") from exc
    inputs = ([line.strip() for line in sys.stdin if line.strip() and
               not line.lstrip().startswith("#")] if texts == ("-",) else list(texts))
    counts = dict.fromkeys(MATCH_KINDS, 0)
    for raw in inputs:
        line = _mapped_line(agency, agency_profile, table, raw, program)
        counts[line["match"]] += 1
        click.echo(json.dumps(line, ensure_ascii=False))
    # Every line is printed first: the summary and the exit status are for scripts and CI.
    click.echo(f"{agency}: {len(inputs)} mapped: "
               + ", ".join(f"{kind} {counts[kind]}" for kind in MATCH_KINDS), err=True)
    if counts[NONE]:
        raise SystemExit(1)


def _mapped_line(agency: str, agency_profile: AgencyProfile, table: MappingTable, raw: str,
                 program: str | None) -> dict[str, Any]:
    """One line of `vocab map`: the qualifier (a program or a case number) resolved first."""
    qualifier, sep, code = raw.partition("|")
    use_program, use_code = program, raw
    if sep:
        use_code = code.strip()
        if qualifier.strip().upper() in agency_profile.case_types:
            use_program = qualifier.strip().upper()
        else:
            try:
                use_program = agency_profile.program_of_number(qualifier.strip()) or program
            except InvalidNumberError as exc:
                return {"input": raw, "agency": agency, "match": NONE, "known": False,
                        "error": str(exc)}
    resolution = resolve(table, use_code, use_program)
    mapped = resolution.status(use_code)
    return {
        "input": raw, "agency": agency, "program": use_program, "match": resolution.match,
        "known": mapped.known, "category": mapped.category, "milestone": mapped.milestone,
        "action_required": mapped.action_required,
        **{t.language: {"title": t.title, "description": t.description,
                        "next_step": t.next_step} for t in mapped.texts},
        **({"candidates": [{"program": c.program, "category": c.category,
                            "milestone": c.milestone, "action_required": c.action_required,
                            "title": c.texts[0].title} for c in resolution.candidates]}
           if resolution.match == AMBIGUOUS else {}),
        # A variant names the title it varies: the alias a table owner may want to add.
        **({"variant_of": resolution.entry.code}
           if resolution.match == VARIANT and resolution.entry is not None else {}),
    }


@vocab.command("check")
@click.argument("agency", type=AGENCY)
def vocab_check(agency: str) -> None:
    """Lint a mapping table: parses, both languages, no duplicate keys, every code mapped."""
    agency_profile = profile(agency)
    known = _known_codes(agency_profile.known_codes_path)
    problems = lint_table(agency_profile.mapping_path, known)
    if problems:
        for problem in problems:
            click.echo(f"{agency}: {problem}", err=True)
        raise SystemExit(1)
    table = MappingTable.load(agency_profile.mapping_path)
    click.echo(f"{agency}: ok ({len(table.entries)} entries, {len(known)} agency codes "
               f"mapped, languages {', '.join(table.languages)})")
