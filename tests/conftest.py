"""Test-wide setup: the hypothesis profile (dev, ci or thorough, from tinygrad_np.testing),
chosen by $HYPOTHESIS_PROFILE, else "ci" when $CI is "true", else "dev"; shown in the header.
Also the fixture giving the real Fashion-MNIST data to the end-to-end tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from tinygrad_np import testing

PROFILE = testing.load_profile()


def pytest_report_header(config) -> str:
    current = settings()
    return (f"hypothesis profile: {PROFILE} (max_examples={current.max_examples}, "
            f"derandomize={current.derandomize}, deadline={current.deadline})")


FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture(scope="session")
def fashion_dir() -> Path:
    """Debian's Fashion-MNIST folder (real data for the end-to-end tests). Required in CI,
    where .ci/run installs it; skipped elsewhere when it is missing."""
    if not (FASHION_DIR / "t10k-labels-idx1-ubyte.gz").exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Fashion-MNIST is missing: .ci/run should have installed "
                        "dataset-fashion-mnist")
        pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
    return FASHION_DIR
