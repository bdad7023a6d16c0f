"""The rate limiter's arithmetic: how long a request must wait under RPM and TPM limits."""
from __future__ import annotations

from compress.endpoint import RateLimiter


def limiter_with(sent: list[tuple[float, int]], rpm=None, tpm=None) -> RateLimiter:
    limiter = RateLimiter(rpm, tpm)
    limiter._sent.extend(sent)
    return limiter


def test_room_under_both_limits_means_no_wait():
    assert limiter_with([(0.0, 100)], rpm=2, tpm=1000)._wait_needed(500, now=1.0) == 0


def test_requests_per_minute_wait_for_the_oldest_to_leave_the_window():
    limiter = limiter_with([(0.0, 1), (10.0, 1)], rpm=2)
    assert limiter._wait_needed(1, now=30.0) == 30.0          # the first leaves at 60


def test_tokens_per_minute_wait_until_enough_tokens_leave():
    limiter = limiter_with([(0.0, 400), (20.0, 400), (40.0, 100)], tpm=1000)
    # 900 used; 500 more need 400 freed: the first request's, at 60
    assert limiter._wait_needed(500, now=45.0) == 15.0
    # 800 more need 700 freed: the first two, at 80
    assert limiter._wait_needed(800, now=45.0) == 35.0


def test_requests_older_than_a_minute_no_longer_count():
    limiter = limiter_with([(0.0, 900)], rpm=1, tpm=1000)
    assert limiter._wait_needed(900, now=61.0) == 0 and not limiter._sent


def test_a_request_larger_than_the_whole_budget_goes_alone():
    assert limiter_with([], tpm=100)._wait_needed(5000, now=0.0) == 0
    assert limiter_with([(0.0, 10), (5.0, 10)], tpm=100)._wait_needed(5000, now=10.0) == 55.0
