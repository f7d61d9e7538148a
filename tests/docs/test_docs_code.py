"""Every ```python block in README.md and docs/*.md runs, in order, one namespace per page.

A page's blocks build on each other as a reader pastes them into one session, so they run
in sequence; a failing block is reported with its page and line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(page: Path) -> list[tuple[int, str]]:
    """(line number, code) of each ```python block on the page."""
    text = page.read_text()
    return [(text[: m.start()].count("\n") + 2, m.group(1)) for m in BLOCK.finditer(text)]


def test_every_page_has_a_code_block_or_none_is_expected():
    # guards the regex: the README and the tutorial certainly hold python blocks
    assert python_blocks(ROOT / "README.md")
    assert python_blocks(ROOT / "docs" / "tutorial.md")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_code_blocks_run(page: Path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # blocks that write files write them here
    import tinygrad_np as tnp

    tnp.manual_seed(0)
    namespace: dict = {"__name__": f"docs_{page.stem}"}
    for line, code in python_blocks(page):
        try:
            exec(compile(code, f"{page.name}:{line}", "exec"), namespace)
        except Exception as e:
            raise AssertionError(f"{page.name}, block at line {line} failed: {e!r}") from e
