"""The seed: versioned data files (seed/data) and the loader that validates and loads them."""
