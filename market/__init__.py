"""Partner Market: the vendor-partner marketplace of a public digitalisation community."""

__version__ = "0.1.0"
