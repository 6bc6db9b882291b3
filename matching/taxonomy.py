"""Code hierarchies: CPV derived from its digits, anything else from an explicit parents mapping.

A CPV code's significant prefix is the code without its trailing zeros: `45233140` is `4523314`,
whose ancestors are `452331`, `45233`, `4523`, `452` and the division `45`. The check-digit form
`45233140-2` is accepted. Other codes ("tech:django") climb through the `parents` mapping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_CPV = re.compile(r"^(\d{8})(?:-\d)?$")


def cpv_prefix(code: str) -> str | None:
    """The significant digits of a CPV code (at least the 2-digit division), or None."""
    match = _CPV.match(code.strip())
    if match is None:
        return None
    digits = match.group(1).rstrip("0")
    return digits.ljust(2, "0")


def normalize_code(code: str) -> str:
    """The node key of a code: `cpv:<prefix>` for CPV codes, the stripped code otherwise."""
    prefix = cpv_prefix(code)
    return f"cpv:{prefix}" if prefix is not None else code.strip()


def display_code(node: str) -> str:
    """A node key back in the form people know (`cpv:4523314` -> `45233140`)."""
    if node.startswith("cpv:"):
        return node[4:].ljust(8, "0")
    return node


class Taxonomy:
    """Ancestor chains of codes; cheap to call, cached per code."""

    def __init__(self, parents: Mapping[str, str] | None = None) -> None:
        self._parents = {k.strip(): v.strip() for k, v in (parents or {}).items()}
        self._cache: dict[str, tuple[str, ...]] = {}
        self._positions: dict[str, dict[str, int]] = {}

    @property
    def parents(self) -> dict[str, str]:
        """The explicit parents mapping (what it takes to rebuild this taxonomy)."""
        return dict(self._parents)

    def chain(self, code: str) -> tuple[str, ...]:
        """The node of `code` followed by its ancestors, nearest first."""
        cached = self._cache.get(code)
        if cached is not None:
            return cached
        node = normalize_code(code)
        if node.startswith("cpv:"):
            prefix = node[4:]
            result = tuple(f"cpv:{prefix[:n]}" for n in range(len(prefix), 1, -1))
        else:
            seen = [node]
            while seen[-1] in self._parents and len(seen) < 32:
                parent = self._parents[seen[-1]]
                if parent in seen:  # a cycle in the caller's mapping: stop, do not loop
                    break
                seen.append(parent)
            result = tuple(seen)
        self._cache[code] = result
        return result

    def distance(self, a: str, b: str) -> tuple[int, int] | None:
        """Steps from `a` and from `b` up to their nearest common ancestor, or None."""
        chain_a = self.chain(a)
        position_b = self._positions.get(b)
        if position_b is None:
            position_b = self._positions[b] = {node: i for i, node in enumerate(self.chain(b))}
        for i, node in enumerate(chain_a):
            if node in position_b:
                return i, position_b[node]
        return None

    def closeness(self, task_code: str, vendor_code: str, narrower: float, broader: float) -> float:
        """1 for the same code; decays with the steps up to the common ancestor."""
        steps = self.distance(task_code, vendor_code)
        if steps is None:
            return 0.0
        up_task, up_vendor = steps
        # up_vendor steps: the vendor's code is narrower than the meeting point.
        return float(broader**up_task * narrower**up_vendor)
