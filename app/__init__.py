"""NATO defence-expenditure API: published figures, edition by edition."""

__version__ = "1.0.0"
