"""Wrong access codes are counted per case and per subject, in a sliding window."""

from __future__ import annotations

from aggregator.throttle import AccessCodeThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_five_wrong_codes_block_the_sixth_until_the_oldest_leaves_the_window() -> None:
    clock = Clock()
    throttle = AccessCodeThrottle(clock=clock)
    for _ in range(5):
        assert throttle.check("ana", "immigration", "IOE1") == 0.0
        throttle.record_failure("ana", "immigration", "IOE1")
        clock.now += 10
    assert throttle.check("ana", "immigration", "IOE1") == 900 - 50
    assert throttle.check("ana", "immigration", "IOE2") == 0.0  # another case is not blocked
    clock.now = 1000 + 900.5  # the first failure has left the window
    assert throttle.check("ana", "immigration", "IOE1") == 0.0


def test_a_right_code_clears_the_case_but_not_the_subject_count() -> None:
    clock = Clock()
    throttle = AccessCodeThrottle(per_case=3, per_subject=4, clock=clock)
    for _ in range(3):
        throttle.record_failure("ana", "immigration", "IOE1")
    assert throttle.check("ana", "immigration", "IOE1") > 0
    throttle.record_success("ana", "immigration", "IOE1")
    assert throttle.check("ana", "immigration", "IOE1") == 0.0
    throttle.record_failure("ana", "courts", "A1")
    # Four failures for ana in the window, whatever the case: every case is blocked now.
    assert throttle.check("ana", "labor", "G-100") > 0
    assert throttle.check("raj", "labor", "G-100") == 0.0


def test_memory_stays_bounded() -> None:
    throttle = AccessCodeThrottle(max_keys=100, clock=Clock())
    for n in range(1000):
        throttle.record_failure(f"s{n}", "immigration", f"IOE{n}")
    assert len(throttle._failures) <= 100
    assert throttle.check("s999", "immigration", "IOE999") == 0.0  # one failure: not blocked
