"""Shared pieces for the end-to-end tests on real data (Fashion-MNIST from Debian)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
sys.path.insert(0, str(EXAMPLES))


@pytest.fixture(scope="session")
def fashion_dir() -> Path:
    """The Debian Fashion-MNIST folder; required in CI (.ci/run installs it), else skipped."""
    if not (FASHION_DIR / "t10k-labels-idx1-ubyte.gz").exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Fashion-MNIST is missing: .ci/run should have installed "
                        "dataset-fashion-mnist")
        pytest.skip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
    return FASHION_DIR
