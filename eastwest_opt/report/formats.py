"""Numbers as the report writes them: money, quantities, shares, TB, gaps and round legend values.

A leaf module: it imports nothing from the package.
"""

from __future__ import annotations

import math


def money_unit(largest: float) -> tuple[float, str]:
    """Divisor and unit for CNY amounts up to ``largest``."""
    if largest >= 1e6:
        return 1e6, "M CNY"
    if largest >= 1e3:
        return 1e3, "k CNY"
    return 1.0, "CNY"


def fmt_money(value: float, divisor: float, unit: str) -> str:
    """An amount in the unit chosen by :func:`money_unit`: '9.12 M CNY'."""
    if divisor == 1.0:
        return f"{value:,.0f} {unit}"
    return f"{value / divisor:,.2f} {unit}"


def fmt_num(value: float) -> str:
    """A quantity with sensible digits: 0.45, 5.9, 2,520."""
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.2f}".rstrip("0").rstrip(".") if abs(value) < 1 else f"{value:.1f}"


def fmt_percent(share: float) -> str:
    """A share as a whole percentage, '<1%' for small non-zero shares."""
    if 0 < share < 0.005:
        return "<1%"
    return f"{100 * share:.0f}%"


def fmt_share(value: float) -> str:
    """A share of capacity as a percentage with two decimals: '3.55%', '<0.01%'."""
    if not math.isfinite(value):
        return "no capacity"
    if 0 < value < 1e-4:
        return "<0.01%"
    return f"{100 * value:.2f}%"


def fmt_tb(tb: float) -> str:
    """TB moved, in TB or PB: '0 TB', '47 TB', '11,354 TB', '1.35 PB'."""
    if tb >= 100_000:
        return f"{tb / 1000:,.1f} PB"
    return f"{fmt_num(tb)} TB"


def fmt_gap(gap: float | None) -> str:
    """A relative MIP gap as a percentage; 'n/a' when there is none."""
    if gap is None or not math.isfinite(float(gap)):
        return "n/a"
    return f"{100 * float(gap):.3f}%"


def fmt_round(value: float) -> str:
    """A round legend value: 1, 2.5, 2,500."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


def some(items: list[str], shown: int = 3) -> str:
    """The first few items of a list, and how many more: 'a, b, c and 17 more'."""
    head = ", ".join(items[:shown])
    return head if len(items) <= shown else f"{head} and {len(items) - shown:,} more"


def nice_ceil(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k at or above ``value``."""
    if value <= 0:
        return 1.0
    exp = math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * 10**exp >= value * (1 - 1e-9):
            return step * 10**exp
    return 10.0 ** (exp + 1)


def nice_floor(value: float) -> float:
    """The largest of 1, 2, 2.5, 5 x 10^k at or below ``value``."""
    if value <= 0:
        return 0.0
    exp = math.floor(math.log10(value))
    for step in (5.0, 2.5, 2.0, 1.0):
        if step * 10**exp <= value * (1 + 1e-9):
            return step * 10**exp
    return 10.0 ** (exp - 1) * 5


def legend_values(largest: float) -> list[float]:
    """Up to three round sample values up to ``largest`` for a size legend (e.g. 250, 500, 2,500)."""
    values: list[float] = []
    if not largest > 0:
        return values
    for share in (1.0, 1 / 3, 1 / 10):
        v = nice_floor(largest * share)
        if v > 0 and v not in values:
            values.append(v)
    return sorted(values)
