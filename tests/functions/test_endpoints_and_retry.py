"""Endpoint selection from EndpointSlices, and the bounded retry loop."""

from __future__ import annotations

import math

import pytest

from functions.kube.endpoints import ready_addresses, service_selector
from functions.kube.errors import RetryExhaustedError
from functions.kube.retry import Backoff, Deadline, call_with_retry
from tests.functions.conftest import FakeClock, endpoint_slice


def test_ready_addresses_skip_not_ready_terminating_duplicates_and_fqdn():
    slices = [
        endpoint_slice("a", [("10.0.0.1", True), ("10.0.0.2", False), ("10.0.0.3", None)]),
        endpoint_slice("b", [("10.0.0.3", True), ("10.0.0.4", True)], terminating=("10.0.0.4",)),
        {"addressType": "FQDN", "endpoints": [{"addresses": ["karmada.example.com"]}]},
        {"addressType": "IPv6", "endpoints": [{"addresses": ["fd00::5"], "conditions": {"ready": True}}]},
        {"addressType": "IPv4", "endpoints": None},
    ]
    assert ready_addresses(slices) == ["10.0.0.1", "10.0.0.3", "fd00::5"]
    assert ready_addresses([]) == []
    assert service_selector("karmada-apiserver") == "kubernetes.io/service-name=karmada-apiserver"


def test_retry_succeeds_after_retryable_errors():
    clock = FakeClock()
    attempts = []

    def flaky():
        attempts.append(clock())
        if len(attempts) < 4:
            raise ConnectionError("refused")
        return "ok"

    result = call_with_retry(flaky, what="op", retry_window=lambda e: math.inf,
                             deadline=Deadline(100, clock), sleep=clock.sleep, backoff=Backoff(1, 2, 3))
    assert result == "ok"
    assert clock.sleeps == [1, 2, 3]


def test_retry_stops_at_once_on_a_non_retryable_error():
    clock = FakeClock()

    def broken():
        raise ValueError("bad")

    with pytest.raises(ValueError):
        call_with_retry(broken, what="op", retry_window=lambda e: None, deadline=Deadline(100, clock),
                        sleep=clock.sleep)
    assert clock.sleeps == []


def test_retry_gives_up_at_the_deadline_or_the_errors_window():
    clock = FakeClock()
    with pytest.raises(RetryExhaustedError) as caught:
        call_with_retry(lambda: (_ for _ in ()).throw(ConnectionError("refused")), what="op",
                        retry_window=lambda e: math.inf, deadline=Deadline(20, clock), sleep=clock.sleep)
    assert sum(clock.sleeps) <= 20
    assert str(caught.value).startswith("gave up after 5 attempt(s) in 15s (the time budget): refused")
    assert isinstance(caught.value.last_error, ConnectionError)

    clock = FakeClock()
    forgotten = []
    with pytest.raises(RetryExhaustedError, match=r"\(10s\)"):
        call_with_retry(lambda: (_ for _ in ()).throw(LookupError("missing")), what="op",
                        retry_window=lambda e: 10.0, deadline=Deadline(1000, clock), sleep=clock.sleep,
                        on_retry=forgotten.append)
    assert clock.sleeps == [1, 2, 4] and len(forgotten) == 3
