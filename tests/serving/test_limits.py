"""serving/limits.py: a token bucket per bearer key."""

from serving.limits import RateLimiter


def test_a_key_gets_its_burst_then_one_request_per_refill():
    limiter = RateLimiter(per_minute=60)
    assert [limiter.allow("Bearer k", now=0.0) for _ in range(60)] == [0] * 60
    assert limiter.allow("Bearer k", now=0.0) == 1  # one token a second: retry in 1 s
    assert limiter.allow("Bearer k", now=1.0) == 0 and limiter.allow("Bearer k", now=1.0) == 1


def test_keys_are_counted_apart_and_a_full_bucket_is_forgotten_when_too_many_clients():
    limiter = RateLimiter(per_minute=2)
    limiter.MAX_CLIENTS = 3
    assert (
        limiter.allow("a", now=0.0) == 0
        and limiter.allow("a", now=0.0) == 0
        and limiter.allow("b", now=0.0) == 0
    )
    assert limiter.allow("a", now=0.0) > 0  # "b" asking did not refill "a"
    for name in ("c", "d", "e"):
        limiter.allow(name, now=100.0)
    assert len(limiter._buckets) <= 3  # every bucket had refilled: forgotten
