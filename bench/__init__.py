"""Benchmarks: the API against a bare ASGI app and a Starlette app serving the same bytes."""
