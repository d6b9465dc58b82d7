"""covering indexes for the edition rule: the totals' per-ally sums, as_of counts

/v1/totals sums one indicator's values of every ally and year under the edition rule. The
indexes it used found the rows but the values, editions and sources were then read from the
table, row by row: about half of the query's time. These indexes carry those columns, so the
query is answered from the index alone; for a pinned edition the edition comes before the
year, so the rows arrive in year order without a sort. The latest index replaces the one of
0002 whose columns it starts with. The as_of index answers the count of figures in force
on a date (published on or before it, not superseded by then) without reading the table.

The per-ally index of 0002 gains the columns the allies' "latest share of GDP" subquery
orders by (published_on, year). Without them, and with no planner statistics, SQLite
preferred the new as_of index for that subquery and scanned every share_gdp row per ally
(GET /v1/allies uncached: 2.6 -> 7.9 ms); with them it seeks (ally, indicator, latest)
and reads the rows already in order (2.6 -> 2.4 ms).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 13:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LATEST = ["indicator_id", "superseded_on", "year", "ally_iso3", "value", "edition_id", "source_id"]
EDITION = ["indicator_id", "edition_id", "year", "ally_iso3", "value", "source_id"]
AS_OF = ["indicator_id", "published_on", "superseded_on"]
ALLY_LATEST = ["ally_iso3", "indicator_id", "superseded_on", "published_on", "year"]
ALLY_LATEST_0002 = ["ally_iso3", "indicator_id", "superseded_on"]


def upgrade() -> None:
    op.drop_index("ix_observations_indicator_superseded_year", table_name="observations")
    op.create_index("ix_observations_latest_covering", "observations", LATEST)
    op.create_index("ix_observations_edition_covering", "observations", EDITION)
    op.create_index("ix_observations_as_of_covering", "observations", AS_OF)
    op.drop_index("ix_observations_ally_indicator_superseded", table_name="observations")
    op.create_index("ix_observations_ally_latest", "observations", ALLY_LATEST)


def downgrade() -> None:
    op.drop_index("ix_observations_ally_latest", table_name="observations")
    op.create_index("ix_observations_ally_indicator_superseded", "observations", ALLY_LATEST_0002)
    op.drop_index("ix_observations_as_of_covering", table_name="observations")
    op.drop_index("ix_observations_edition_covering", table_name="observations")
    op.drop_index("ix_observations_latest_covering", table_name="observations")
    op.create_index(
        "ix_observations_indicator_superseded_year",
        "observations",
        ["indicator_id", "superseded_on", "year", "ally_iso3"],
    )
