"""How evenly something is spread over vendors. Pure Python (no numpy), so the web process's
fairness report and the offline evaluation use the same function."""

from __future__ import annotations

from collections.abc import Iterable


def gini(values: Iterable[float]) -> float:
    """Gini coefficient of non-negative values (0 = equal, towards 1 = concentrated)."""
    ordered = sorted(float(v) for v in values)
    n, total = len(ordered), sum(ordered)
    if n == 0 or total <= 0:
        return 0.0
    running, area = 0.0, 0.0
    for value in ordered:
        running += value
        area += running / total
    return (n + 1 - 2 * area) / n
