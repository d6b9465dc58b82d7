# Multi-stage build: install and seed into an immutable SQLite file, then run as non-root.
# Not exercised: no Docker engine runs on this project's machines or in its CI (.ci/run), so
# neither this file nor docker-compose.yml has been built or run. What is exercised is what
# they run: the `nato-api migrate|seed|serve` commands (the test suite, .ci/run), and the
# topology of docker-compose.yml (PostgreSQL primary and standby, two API replicas,
# nginx with deploy/nginx.conf.template) from Debian packages by `make cluster` and
# `make cluster-test` (deploy/README.md).
FROM python:3.11-slim AS build
WORKDIR /srv/app
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md alembic.ini ./
COPY app app
COPY seed seed
COPY migrations migrations
# Editable: migrations/ and seed/data/ are read from this source tree.
RUN pip install -e ".[postgres]"
# The database is built at image build time and never written at run time.
ENV NATO_DATABASE_URL=sqlite:////srv/app/var/nato.sqlite3
RUN nato-api migrate && nato-api seed && chmod -R a-w /srv/app/var

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /srv/app nato
COPY --from=build /opt/venv /opt/venv
COPY --from=build /srv/app /srv/app
WORKDIR /srv/app
ENV PATH=/opt/venv/bin:$PATH \
    NATO_DATABASE_URL=sqlite:////srv/app/var/nato.sqlite3 \
    NATO_ENVIRONMENT=production \
    MALLOC_ARENA_MAX=2 \
    PYTHONDONTWRITEBYTECODE=1
USER nato
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)" || exit 1
CMD ["nato-api", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
