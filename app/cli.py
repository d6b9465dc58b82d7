"""The `nato-api` command: serve, migrate, seed, check-data, import-workbook, openapi, mcp."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer

from app.config import get_settings

cli = typer.Typer(help="NATO defence-expenditure API.", no_args_is_help=True, add_completion=False)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", envvar="PORT")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the API with uvicorn, with limits on heads, slow clients and connections."""
    from app.main import StartupError, open_database
    from app.server import serve as run_server

    settings = get_settings()
    # Fail fast with one clear line (and exit 1) instead of uvicorn's lifespan traceback.
    try:
        engine, _version = open_database(settings)
    except StartupError as exc:
        typer.echo(f"nato-api: cannot start: {exc}", err=True)
        raise typer.Exit(code=1) from None
    engine.dispose()
    run_server(settings, host=host, port=port, workers=workers)


@cli.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Create or upgrade the database schema (Alembic)."""
    from app.migrate import upgrade

    upgrade(get_settings().database_url, revision)
    typer.echo(f"migrated to {revision}")


def _fail(exc: Exception) -> None:
    typer.echo(str(exc), err=True)
    raise typer.Exit(code=1)


@cli.command()
def seed(
    data: Annotated[Path | None, typer.Option(help="Data folder (default: seed/data).")] = None,
) -> None:
    """Validate the data files and load them in one transaction; a rerun changes nothing."""
    from app.db import make_engine
    from seed.loader import SeedError, load

    settings = get_settings()
    started = time.perf_counter()
    engine = make_engine(settings.database_url)
    try:
        result = load(engine, data or settings.data_dir)
    except SeedError as exc:
        _fail(exc)
        return
    finally:
        engine.dispose()
    elapsed = time.perf_counter() - started
    state = "loaded" if result.changed else "unchanged"
    rows = sum(result.counts.values())
    typer.echo(f"{state}: dataset {result.version[:12]}, {rows} rows, {elapsed:.3f} s")


@cli.command("check-data")
def check_data(
    data: Annotated[Path, typer.Argument(help="Data folder to validate.")],
) -> None:
    """Validate a data folder without loading it."""
    from seed.loader import SeedError, read_dataset

    try:
        dataset = read_dataset(data)
    except SeedError as exc:
        _fail(exc)
        return
    counts = ", ".join(f"{name} {n}" for name, n in dataset.counts().items())
    typer.echo(f"valid: dataset {dataset.version[:12]}: {counts}")


@cli.command("import-workbook")
def import_workbook(
    path: Annotated[Path, typer.Argument(help="NATO's Excel workbook (.xlsx).")],
    edition: Annotated[str, typer.Option(help="Edition id, YYYY-MM of publication.")],
    title: Annotated[str, typer.Option(help="The report's title, as NATO gives it.")],
    published_on: Annotated[
        dt.datetime, typer.Option(formats=["%Y-%m-%d"], help="Publication date, YYYY-MM-DD.")
    ],
    cutoff: Annotated[
        dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Data cut-off date.")
    ] = None,
    source_id: Annotated[
        str | None, typer.Option(help="Id of the new source row (default nato-workbook-EDITION).")
    ] = None,
    source_url: Annotated[
        str | None, typer.Option(help="Where the workbook was published.")
    ] = None,
    data: Annotated[Path | None, typer.Option(help="Data folder (default: seed/data).")] = None,
    replace: Annotated[bool, typer.Option(help="Replace an edition that exists.")] = False,
    dry_run: Annotated[bool, typer.Option(help="Check and summarize; write nothing.")] = False,
) -> None:
    """Import one of NATO's workbooks into the data folder as an edition, all or nothing."""
    from seed.contract import EDITION_ID, CellError
    from seed.loader import SeedError
    from seed.workbook import EditionInfo, WorkbookError
    from seed.workbook import import_workbook as run_import

    data_dir = data or get_settings().data_dir
    started = time.perf_counter()
    try:
        EDITION_ID(edition)
        info = EditionInfo(
            edition,
            title,
            published_on.date(),
            cutoff.date() if cutoff else None,
            source_id,
            source_url,
        )
        plan = run_import(path, data_dir, info, replace=replace, dry_run=dry_run)
    except CellError as exc:
        _fail(ValueError(f"import-workbook: --edition: {exc}"))
        return
    except (WorkbookError, SeedError) as exc:
        _fail(ValueError(f"import-workbook: {path}: {exc}"))
        return
    except OSError as exc:  # writing the data folder failed: every file is still the old one
        _fail(ValueError(f"import-workbook: cannot write {data_dir}: {exc}; nothing was changed"))
        return
    for line in plan.summary:
        typer.echo(line)
    rows = ", ".join(f"{name} {n:+d}" for name, n in plan.added.items())
    verb = "would write (dry run, nothing written)" if dry_run else "wrote"
    typer.echo(f"{verb} {data_dir}: {rows} rows; {time.perf_counter() - started:.2f} s")


@cli.command()
def openapi(
    output: Annotated[
        Path | None, typer.Option(help="File to write (default: standard output).")
    ] = None,
) -> None:
    """Write the OpenAPI document as JSON, as /openapi.json serves it (no database needed)."""
    import json

    from app.main import create_app

    text = json.dumps(create_app(get_settings()).openapi(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@cli.command()
def mcp(
    base_url: Annotated[
        str, typer.Option(help="The API's root URL, written in citations of the dataset.")
    ] = "http://127.0.0.1:8000",
) -> None:
    """Serve the MCP tools over stdio, for a desktop assistant (docs/mcp.md); logs go to
    standard error."""
    from app.logging import configure_logging
    from app.main import StartupError, open_database
    from app.mcp.transports import serve_stdio

    settings = get_settings()
    # Standard output carries the protocol: every log line goes to standard error.
    configure_logging(settings, stream="stderr")
    try:
        engine, _version = open_database(settings)
    except StartupError as exc:
        typer.echo(f"nato-api: cannot start: {exc}", err=True)
        raise typer.Exit(code=1) from None
    try:
        serve_stdio(settings, engine, base_url=base_url)
    finally:
        engine.dispose()


def main() -> None:
    cli()
