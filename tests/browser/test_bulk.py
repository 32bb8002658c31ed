"""/bulk in a real browser: 100 numbers pasted give 100 rows in the order given with each
problem on its row; the results download as CSV (a formula-looking cell neutralised), and
that very file uploaded again gives the same table. axe-core on the form and the results, in
English and Spanish, with screenshots."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from gateway.messages import message
from support.browser import BROWSER, Numbers, axe_violations, describe, screenshots

pytestmark = BROWSER

FORMULA = "=HYPERLINK(1)"  # no case number; a spreadsheet would run it as a formula
MALFORMED_AT, UNKNOWN_AT, FORMULA_AT = 7, 42, 99  # 1-based positions in the list


def hundred(numbers: Numbers) -> list[str]:
    """100 numbers: the demo's own, repeated, with a malformed, an unknown and a
    formula-looking one at known places."""
    known = [n.number for n in numbers.all]
    listed = (known * (100 // len(known) + 1))[:100]
    listed[MALFORMED_AT - 1] = numbers.malformed
    listed[UNKNOWN_AT - 1] = numbers.unknown
    listed[FORMULA_AT - 1] = FORMULA
    return listed


async def _check(page: Page, language: str, listed: list[str]) -> None:
    await page.goto(f"/bulk?lang={language}")
    await page.get_by_label(message(language, "Case numbers")).fill("\n".join(listed))
    await page.get_by_role("button", name=message(language, "Check statuses")).click()


async def _rows(page: Page) -> list[str]:
    """The results table's case numbers, in order."""
    return await page.locator("table.caseline-results tbody th[scope=row]").all_inner_texts()


@pytest.mark.parametrize("language", ["en", "es"])
async def test_a_hundred_numbers_in_order_with_problems_on_their_rows(
        page: Page, numbers: Numbers, language: str) -> None:
    listed = hundred(numbers)
    await page.goto(f"/bulk?lang={language}")
    assert await axe_violations(page) == []
    await screenshots(page, f"bulk-form-{language}")
    await _check(page, language, listed)
    found = 97  # all but the three planted
    heading = message(language, "{count} case numbers checked, {found} found", count=100,
                      found=found)
    await expect(page.get_by_role("heading", name=heading)).to_be_visible()
    assert await _rows(page) == listed
    body = page.locator("table.caseline-results tbody tr")
    await expect(body.nth(MALFORMED_AT - 1).locator("[data-code]")).to_have_attribute(
        "data-code", "INVALID_NUMBER")
    await expect(body.nth(UNKNOWN_AT - 1).locator("[data-code]")).to_have_attribute(
        "data-code", "NOT_FOUND")
    await expect(body.nth(0)).to_contain_text(numbers.all[0].case_type)
    violations = await axe_violations(page)
    assert not violations, describe(violations)
    await screenshots(page, f"bulk-results-{language}")


async def test_the_csv_download_uploaded_again_gives_the_same_table(
        page: Page, numbers: Numbers, tmp_path: Path) -> None:
    listed = hundred(numbers)
    await _check(page, "en", listed)
    async with page.expect_download() as waiting:
        await page.get_by_role("button", name="Download the results (CSV)").click()
    download = await waiting.value
    assert download.suggested_filename.endswith(".csv")
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark, for Excel
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][0] == "Case number" and len(table) == 101
    column = [row[0] for row in table[1:]]
    assert column[FORMULA_AT - 1] == "'" + FORMULA  # shown as text by a spreadsheet
    assert column[:FORMULA_AT - 1] + column[FORMULA_AT:] == (
        listed[:FORMULA_AT - 1] + listed[FORMULA_AT:])

    await page.get_by_label("Or upload a CSV file").set_input_files(saved)
    await page.get_by_role("button", name="Check statuses").click()
    await expect(page.get_by_text("The file's first row was read as column names")).to_be_visible()
    assert await _rows(page) == column
    await expect(page.get_by_role(
        "heading", name="100 case numbers checked, 97 found")).to_be_visible()
