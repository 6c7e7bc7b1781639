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
    assert limiter.clients() <= 3  # every bucket had refilled: forgotten


def test_processes_sharing_the_file_share_the_key_s_bucket(tmp_path):
    """Three processes ask at once on one key: the burst is the key's, not three times it."""
    import subprocess
    import sys

    path = tmp_path / "limits.sqlite"
    script = (
        "import sys; from serving.limits import RateLimiter; limiter = RateLimiter(30, sys.argv[1]);"
        "print(sum(limiter.allow('Bearer team', now=1000.0) == 0 for _ in range(25)))"
    )
    runs = [subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, text=True)
            for _ in range(3)]  # fmt: skip
    allowed = [int(run.communicate(timeout=120)[0]) for run in runs]
    assert sum(allowed) == 30 and all(run.returncode == 0 for run in runs), allowed
    assert RateLimiter(30, path).allow("Bearer team", now=1000.0) > 0  # and a restarted server agrees
