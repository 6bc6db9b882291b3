"""Partner Market's ranking engine: a pure library, no database, no web framework.

`Index.fit(vendors)` then `index.rank(task)`; see docs/matching.md.

The names below are loaded lazily (PEP 562), so `import matching.types` stays cheap: the web
process reads weights and model versions without importing scikit-learn, which only
`matching.ranker`, `matching.text` and `matching.learn` need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matching.fairness import ExposureLedger
    from matching.ranker import Index
    from matching.types import (
        DEFAULT_SETTINGS,
        DEFAULT_WEIGHTS,
        FEATURES,
        Explanation,
        Match,
        PastAward,
        Settings,
        TaskProfile,
        VendorProfile,
        Weights,
        model_version,
    )

_WHERE = {
    "ExposureLedger": "matching.fairness",
    "Index": "matching.ranker",
    **{
        name: "matching.types"
        for name in (
            "DEFAULT_SETTINGS",
            "DEFAULT_WEIGHTS",
            "FEATURES",
            "Explanation",
            "Match",
            "PastAward",
            "Settings",
            "TaskProfile",
            "VendorProfile",
            "Weights",
            "model_version",
        )
    },
}

__all__ = [
    "DEFAULT_SETTINGS",
    "DEFAULT_WEIGHTS",
    "FEATURES",
    "Explanation",
    "ExposureLedger",
    "Index",
    "Match",
    "PastAward",
    "Settings",
    "TaskProfile",
    "VendorProfile",
    "Weights",
    "model_version",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'matching' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
