"""bench/web_load.py reads wrk's report right (the load itself runs in `python -m bench.web_load`)."""

from __future__ import annotations

import pytest

from bench.web_load import parse_wrk

REPORT = """Running 5s test @ http://127.0.0.1:40123/api/run.json
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.12ms    2.01ms  31.20ms   88.10%
    Req/Sec    15.71k     1.02k   17.20k    80.00%
  Latency Distribution
     50%    3.80ms
     75%    4.50ms
     90%    5.90ms
     99%   14.68ms
  78155 requests in 5.00s, 654.21MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  15630.52
Transfer/sec:    130.83MB
"""


def test_the_figures_come_from_wrks_report() -> None:
    assert parse_wrk(REPORT) == {"web.requests_per_s": 15631, "web.p99_ms": 14.68, "web.errors": 7}


def test_latency_in_microseconds_and_seconds_becomes_ms() -> None:
    assert parse_wrk(REPORT.replace("14.68ms", "900.00us"))["web.p99_ms"] == 0.9
    assert parse_wrk(REPORT.replace("14.68ms", "1.20s"))["web.p99_ms"] == 1200.0


def test_a_failed_run_is_an_error_not_a_zero() -> None:
    with pytest.raises(ValueError, match="not a wrk --latency report"):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")
