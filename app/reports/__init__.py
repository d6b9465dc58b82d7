"""Answers that need more than one query or a rule: each calls queries/ (SQL only) and
analysis/ (rules only) and returns the result its schema copies."""
