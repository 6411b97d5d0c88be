"""Numbers and names as the reports print them: one format per kind, no "-0", lists in words."""

from __future__ import annotations

import re


def fmt(x: float | None, kind: str, sign: bool = False) -> str:
    """``x`` formatted by ``kind``: ``int`` (1,234), ``num`` (one decimal), ``1f``/``2f``,
    ``pct`` (a share as 12%), ``pts`` (a difference of shares as 12 points, without the
    word). ``sign`` puts + before a positive number. A number that rounds to zero is printed
    without a sign ("0", never "-0" or "+0"); NaN is "–"."""
    if x is None or x != x:
        return "–"
    if kind in ("pct", "pts"):
        value, spec = 100.0 * x, ".0f"
    elif kind == "int":
        value, spec = x, ",.0f"
    elif kind == "num":
        value, spec = x, ".1f"
    else:
        value, spec = x, f".{kind[0]}f"
    text = format(value, spec)
    if re.fullmatch(r"-?[0,.]+", text):  # rounds to zero
        text = text.lstrip("-")
    elif sign and not text.startswith("-"):
        text = "+" + text
    return text + ("%" if kind == "pct" else "")


def interval(lo: float, hi: float, kind: str) -> str:
    """A 90% interval as "+3 to +10" (signed, no "-0")."""
    return f"{fmt(lo, kind, sign=True)} to {fmt(hi, kind, sign=True)}"


def names(items: list[str], code: bool = True) -> str:
    """``a``, ``b`` and ``c`` (in backticks unless ``code`` is False)."""
    items = [f"`{n}`" if code else n for n in items]
    if not items:
        return ""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def words(text: str) -> int:
    """Words of Markdown text as a reader counts them: table rules, image links, HTML tags and
    bare punctuation are not words."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"^\|?[\s|:-]+\|?$", " ", text, flags=re.M)
    return sum(1 for w in re.split(r"[\s|]+", text) if re.search(r"\w", w))
