"""Chart geometry: round axis tops, lines in the viewBox (wide and a phone's), bar rows' lengths,
withheld values drawn as gaps (never as zero), and the case gauge's scale."""

from __future__ import annotations

import pytest

from gateway.web.charts import (
    HEIGHT,
    NARROW,
    NARROW_LEFT,
    WIDTH,
    bar_rows,
    gauge,
    line_chart,
    nice_top,
    ticks,
)


@pytest.mark.parametrize(("largest", "top"), [
    (0, 1), (-5, 1), (1, 1), (7, 10), (11, 20), (180, 200), (201, 250), (251, 500),
    (0.3, 0.5), (1000, 1000)])
def test_the_axis_top_is_a_round_number_at_or_above_the_largest(largest: float,
                                                               top: float) -> None:
    assert nice_top(largest) == pytest.approx(top)


def test_ticks_run_evenly_from_zero_to_the_top() -> None:
    assert ticks(200) == (0, 50, 100, 150, 200)


def test_values_and_labels_must_pair() -> None:
    with pytest.raises(ValueError, match="median: 1 values but 2 labels"):
        line_chart([("median", "m", [1])], ["a", "b"])


def test_a_withheld_month_breaks_the_line_and_is_marked() -> None:
    chart = line_chart([("median", "median", [10, 20, None, 30]),
                        ("p80", "p80", [40, 50, 60, 70])], ["1", "2", "3", "4"])
    median, p80 = chart.lines
    assert len(median.runs) == 2 and len(p80.runs) == 1
    assert len(median.dots) == 3 and len(median.gaps) == 1
    # The gap sits where the third month's point would.
    assert median.gaps[0] == pytest.approx(p80.dots[2][0])
    # Larger values are higher up (smaller y), all inside the viewBox.
    assert p80.dots[0][1] < median.dots[0][1]
    assert all(0 <= y <= HEIGHT for _, y in p80.dots)


def test_nothing_published_is_an_empty_chart_with_whole_ticks() -> None:
    chart = line_chart([("median", "m", [None, None])], ["a", "b"])
    assert chart.lines[0].runs == () and len(chart.lines[0].gaps) == 2
    assert chart.empty
    assert not line_chart([("m", "m", [None, 1])], ["a", "b"]).empty
    # Small counts still get whole-number ticks.
    small = line_chart([("m", "m", [1, 2])], ["a", "b"])
    assert [t.label for t in small.y_ticks] == ["0", "1", "2", "3", "4"]


def test_the_lines_top_is_round_and_its_labels_thinned() -> None:
    chart = line_chart([("m", "m", [50, 100, 75, 60, 80, 90])], list("012345"), every=2,
                       y_label=lambda v: f"{v:.0f} days")
    # The highest point reaches the axis' top (100 is already round).
    assert min(y for _, y in chart.lines[0].dots) == pytest.approx(chart.top)
    assert [t.label for t in chart.y_ticks][-1] == "100 days"
    assert [t.label for t in chart.x_ticks] == ["0", "2", "4"]
    assert all(chart.left < x < chart.right <= WIDTH for x, _ in chart.lines[0].dots)


def test_the_gauge_places_age_median_and_p80_on_one_scale() -> None:
    shown = gauge(150, 100, 180)
    assert shown.top_days == 200  # a round number past 180 × 1.1
    assert (shown.age, shown.median, shown.p80) == (0.75, 0.5, 0.9)
    assert gauge(0, 0, 0).top_days > 0
    with pytest.raises(ValueError, match="negative"):
        gauge(-1, 10, 20)


def test_a_chart_knows_whether_it_withholds_anything() -> None:
    assert line_chart([("m", "m", [1, None])], ["a", "b"]).withheld
    assert not line_chart([("m", "m", [1, 2])], ["a", "b"]).withheld


def test_ticks_stay_whole_where_they_can() -> None:
    assert ticks(25) == (0, 5, 10, 15, 20, 25)
    assert ticks(2) == (0, 1, 2)
    assert ticks(100) == (0, 25, 50, 75, 100)
    assert ticks(500) == (0, 100, 200, 300, 400, 500)
    assert ticks(250) == (0, 50, 100, 150, 200, 250)
    assert ticks(0.5) == (0, 0.125, 0.25, 0.375, 0.5)  # nothing round: four steps


def test_bar_rows_run_to_the_largest_value_or_a_fixed_top() -> None:
    rows = bar_rows([40, None, 10], ["Received", "Interview scheduled", "Appealed"],
                    ["40", "-", "10"], "withheld")
    assert [(r.name, r.value, r.length) for r in rows] == [
        ("Received", "40", 1.0), ("Interview scheduled", "withheld", None),
        ("Appealed", "10", 0.25)]
    shares = bar_rows([50.0, 100.0], ["Jan", "Feb"], ["50%", "100%"], "-", top=100)
    assert [r.length for r in shares] == [0.5, 1.0]
    assert [r.length for r in bar_rows([0], ["a"], ["0"], "-")] == [0.0]  # nothing positive
    with pytest.raises(ValueError, match="1 values, 2 names, 1 texts"):
        bar_rows([1], ["a", "b"], ["1"], "-")


def test_a_phones_line_chart_is_narrower_with_its_labels_inside() -> None:
    chart = line_chart([("m", "m", [1, 2, 3, 4, 5, 6])], list("abcdef"), every=3,
                       across=NARROW, left=NARROW_LEFT)
    assert (chart.width, chart.left, chart.height) == (NARROW, NARROW_LEFT, HEIGHT)
    assert [t.label for t in chart.x_ticks] == ["a", "d"]
    assert all(NARROW_LEFT < x < chart.right for x, _ in chart.lines[0].dots)
