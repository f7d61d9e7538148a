"""Test-wide setup: the hypothesis profile (dev, ci or thorough, from tinygrad_np.testing),
chosen by $HYPOTHESIS_PROFILE, else "ci" when $CI is "true", else "dev"; shown in the header."""

from __future__ import annotations

from hypothesis import settings

from tinygrad_np import testing

PROFILE = testing.load_profile()


def pytest_report_header(config) -> str:
    current = settings()
    return (f"hypothesis profile: {PROFILE} (max_examples={current.max_examples}, "
            f"derandomize={current.derandomize}, deadline={current.deadline})")
