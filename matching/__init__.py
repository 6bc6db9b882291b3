"""Partner Market's ranking engine: a pure library, no database, no web framework.

`Index.fit(vendors)` then `index.rank(task)`; see docs/matching.md.
"""

from matching.fairness import ExposureLedger
from matching.ranker import Index
from matching.types import (
    DEFAULT_SETTINGS,
    DEFAULT_WEIGHTS,
    FEATURES,
    Explanation,
    Match,
    Settings,
    TaskProfile,
    VendorProfile,
    Weights,
    model_version,
)

__all__ = [
    "DEFAULT_SETTINGS",
    "DEFAULT_WEIGHTS",
    "FEATURES",
    "ExposureLedger",
    "Explanation",
    "Index",
    "Match",
    "Settings",
    "TaskProfile",
    "VendorProfile",
    "Weights",
    "model_version",
]
