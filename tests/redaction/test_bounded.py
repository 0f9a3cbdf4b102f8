"""Bounded work (issue 18): every shape detector runs in linear time, so a hostile text of
1 MB cannot hold a worker. A note of 20,000 characters once took 19 s (the e-mail pattern
backtracked over every start of a long run); here each detector reads 1 MB of the inputs
that stress patterns most in under 5 s, and ten times the text takes about ten times as long,
not a hundred."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.redaction.patterns import DETECTORS, EMAIL

pytestmark = pytest.mark.slow

MB = 1_000_000
# runs of what the patterns repeat: local parts, digits, separators, labels, address words
UNITS = ("a.", "1", "12 ", "43,1 с.ш. ", "работал в «", "д. 1, ")


def _spent(detector, text: str) -> float:
    started = time.perf_counter()
    for _ in detector(text):
        pass
    return time.perf_counter() - started


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


@pytest.mark.parametrize("unit", UNITS)
def test_every_detector_reads_a_hostile_megabyte_in_linear_time(unit):
    for detector in DETECTORS:
        small = _spent(detector, _repeat(unit, MB // 10))
        large = _spent(detector, _repeat(unit, MB))
        assert large < 5.0, (detector.__name__, unit, large)
        assert large < 30 * max(small, 0.01), (detector.__name__, unit, small, large)  # quadratic: ×100


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="a1.@_- ＠()[]атсобакточк", min_size=1, max_size=12))
def test_the_e_mail_pattern_is_linear_on_any_repeated_fragment(fragment):
    small = _spent(EMAIL.finditer, _repeat(fragment, 20_000))
    large = _spent(EMAIL.finditer, _repeat(fragment, 200_000))
    assert large < 2.0 and large < 30 * max(small, 0.005), (fragment, small, large)
