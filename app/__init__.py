"""NATO defence-expenditure API: published figures, edition by edition."""

__version__ = "1.0.0"
# SPDX identifier of the licence of this code (pyproject.toml's `license`), not of the figures.
__license__ = "MIT"
