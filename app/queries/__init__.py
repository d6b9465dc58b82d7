"""Query functions: (session, *, filters) -> rows. They know nothing about HTTP."""
