"""app.metrics' Counter and Histogram: ``labels`` answers exactly as prometheus_client's."""

from __future__ import annotations

import prometheus_client
import pytest
from prometheus_client import CollectorRegistry, generate_latest

from app.metrics import Counter, Histogram, Metrics
from app.otp.metrics import FraudGuardMetrics, OtpMetrics


def pair() -> tuple[CollectorRegistry, CollectorRegistry, Counter, prometheus_client.Counter]:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    fast = Counter("sandi_t", "t", ["a", "b"], registry=ours)
    plain = prometheus_client.Counter("sandi_t", "t", ["a", "b"], registry=theirs)
    return ours, theirs, fast, plain


def test_the_same_child_as_labels_and_the_same_text() -> None:
    ours, theirs, fast, plain = pair()
    for counter in (fast, plain):
        counter.labels("x", "y").inc()
        counter.labels("x", "y").inc(2)
        counter.labels("x", 201).inc()  # not a string: made by labels, as "201"
        counter.labels("x", "201").inc()
        counter.labels(a="k", b="w").inc()
    # found in prometheus_client's own children (the dict the look-up relies on)
    assert fast.labels("x", "y") is vars(fast)["_metrics"][("x", "y")]
    assert fast.labels("x", 201) is fast.labels("x", "201")
    assert generate_latest(ours) == generate_latest(theirs)


def test_remove_and_clear_are_seen() -> None:
    ours, theirs, fast, plain = pair()
    for counter in (fast, plain):
        counter.labels("x", "y").inc()
        counter.remove("x", "y")
        counter.labels("x", "y").inc(5)
        counter.labels("p", "q").inc()
        counter.clear()
        counter.labels("p", "q").inc(3)
    assert generate_latest(ours) == generate_latest(theirs)
    assert fast.labels("p", "q")._value.get() == 3


def test_wrong_calls_still_raise() -> None:
    _, _, fast, _ = pair()
    fast.labels("x", "y")
    with pytest.raises(ValueError, match="label count"):
        fast.labels("x")
    with pytest.raises(ValueError, match="chain"):
        fast.labels("x", "y").labels("x", "y")
    with pytest.raises(ValueError, match="both"):
        fast.labels("x", b="y")
    with pytest.raises(ValueError, match="No label names"):
        Counter("sandi_plain", "p", registry=CollectorRegistry()).labels("x")


def test_a_histogram_too() -> None:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    fast = Histogram("sandi_h", "h", ["op"], buckets=(0.1, 1), registry=ours)
    plain = prometheus_client.Histogram("sandi_h", "h", ["op"], buckets=(0.1, 1), registry=theirs)
    for histogram in (fast, plain):
        histogram.labels("start").observe(0.05)
        histogram.labels("start").observe(0.5)
    assert fast.labels("start") is fast._metrics[("start",)]
    assert generate_latest(ours) == generate_latest(theirs)


def test_every_labelled_sandi_metric_is_one() -> None:
    """The hot paths' labels (OTP sends, checks, deliveries, the API's latency...)."""
    registry = CollectorRegistry()
    owners = (Metrics(), OtpMetrics(registry), FraudGuardMetrics(registry))
    metrics = [m for o in owners for m in vars(o).values() if hasattr(m, "_labelnames")]
    labelled = [m for m in metrics if m._labelnames and not isinstance(m, prometheus_client.Gauge)]
    assert len(labelled) >= 15
    assert all(isinstance(m, Counter | Histogram) for m in labelled), labelled
