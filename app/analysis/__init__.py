"""The rules, in exact decimals, with no SQL and no HTTP: rows in, decided results out."""
