"""docs/api.md is generated from the docstrings and must be regenerated when they change."""

from __future__ import annotations

import importlib.util
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_api_reference_matches_the_docstrings():
    spec = importlib.util.spec_from_file_location("make_api", DOCS / "make_api.py")
    make_api = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_api)
    assert (DOCS / "api.md").read_text() == make_api.render(), (
        "docs/api.md is out of date: run `python docs/make_api.py` and commit the result"
    )
