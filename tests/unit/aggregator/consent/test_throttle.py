"""Wrong access codes are counted per case and per subject, in a sliding window."""

from __future__ import annotations

import pytest

from aggregator.consent.throttle import AccessCodeThrottle


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
    assert throttle.check("ana", "labor", "IOE1") == 0.0  # the same number elsewhere neither
    assert throttle.check("raj", "immigration", "IOE1") == 0.0  # nor another subject
    clock.now = 1000 + 900.5  # the first failure has left the window
    assert throttle.check("ana", "immigration", "IOE1") == 0.0


def test_the_window_slides_one_failure_at_a_time() -> None:
    """After the oldest failure leaves, one attempt may go; failing it blocks again, now until
    the next-oldest failure leaves."""
    clock = Clock()
    throttle = AccessCodeThrottle(clock=clock)
    for _ in range(5):
        throttle.record_failure("ana", "immigration", "IOE1")
        clock.now += 100  # failures at 1000, 1100, ..., 1400
    clock.now = 1950.0
    assert throttle.check("ana", "immigration", "IOE1") == 0.0  # 1000 has left
    throttle.record_failure("ana", "immigration", "IOE1")
    assert throttle.check("ana", "immigration", "IOE1") == 1100 + 900 - 1950
    clock.now = 2000.0  # exactly when 1100 leaves
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
    assert throttle.check("ana", "labor", "G-100") == 900.0
    assert throttle.check("raj", "labor", "G-100") == 0.0


def test_twenty_wrong_codes_across_cases_block_every_case_of_the_subject() -> None:
    """Spreading guesses over many cases (4 each, under the per-case limit) hits the
    subject-wide limit at 20, until the subject's oldest failure leaves the window."""
    clock = Clock()
    throttle = AccessCodeThrottle(clock=clock)
    for n in range(20):
        number = f"IOE{n // 4}"
        assert throttle.check("ana", "immigration", number) == 0.0
        throttle.record_failure("ana", "immigration", number)
        clock.now += 1
    assert throttle.check("ana", "immigration", "IOE4") == 900 - 20
    assert throttle.check("ana", "courts", "A-new") == 900 - 20
    assert throttle.check("raj", "immigration", "IOE0") == 0.0
    clock.now = 1000 + 900
    assert throttle.check("ana", "courts", "A-new") == 0.0


def test_the_larger_of_the_two_waits_is_returned() -> None:
    clock = Clock()
    throttle = AccessCodeThrottle(per_case=2, per_subject=3, clock=clock)
    throttle.record_failure("ana", "immigration", "IOE1")  # t=1000
    clock.now = 1100
    throttle.record_failure("ana", "immigration", "IOE2")
    throttle.record_failure("ana", "immigration", "IOE2")  # case IOE2 full at t=1100
    # The subject is full too, but its oldest failure (1000) leaves first.
    assert throttle.check("ana", "immigration", "IOE2") == 900.0
    assert throttle.check("ana", "immigration", "IOE3") == 800.0


def test_memory_stays_bounded_by_the_key_cap() -> None:
    throttle = AccessCodeThrottle(max_keys=100, clock=Clock())
    for n in range(1000):
        throttle.record_failure(f"s{n}", "immigration", f"IOE{n}")
    assert len(throttle) <= 100
    assert throttle.check("s999", "immigration", "IOE999") == 0.0  # one failure: not blocked


def test_expired_keys_are_pruned_and_each_key_keeps_only_its_limit() -> None:
    clock = Clock()
    throttle = AccessCodeThrottle(clock=clock)
    for n in range(50):
        throttle.record_failure("ana", "immigration", f"IOE{n}")
    assert len(throttle) == 51  # fifty cases and the subject
    assert all(len(times) <= 20 for times in throttle._failures.values())
    clock.now += 901
    throttle.record_failure("raj", "immigration", "IOE1")
    assert len(throttle) == 2  # only raj's case and raj


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        AccessCodeThrottle(per_case=0)
