"""The version of dormant, in one place (the package, OCSF exports and `--version` name it)."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
