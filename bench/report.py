"""Markdown tables for the benchmark scripts' output."""

from __future__ import annotations


def table(rows: list[list[str]]) -> str:
    """Rows of strings (the first is the header) as an aligned Markdown table."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)
