"""edition-validity interval of every figure (published_on, superseded_on), indexes for the rule
and the catalogue

The edition rule (latest, as_of, pinned edition) becomes a plain indexed filter on these
columns instead of a DENSE_RANK window over every figure. Schema only: the columns are
nullable here and filled by the loader, which reloads a database that has figures without
them (so `nato-api migrate && nato-api seed` on an existing database fills them).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("superseded_on", sa.Date(), nullable=True))
        batch_op.create_index(
            "ix_observations_indicator_superseded_year",
            ["indicator_id", "superseded_on", "year", "ally_iso3"],
            unique=False,
        )
        batch_op.create_index(
            "ix_observations_ally_indicator_superseded",
            ["ally_iso3", "indicator_id", "superseded_on"],
            unique=False,
        )
        batch_op.create_index(
            "ix_observations_edition_indicator", ["edition_id", "indicator_id"], unique=False
        )
        batch_op.create_index("ix_observations_source", ["source_id"], unique=False)
    with op.batch_alter_table("aggregates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("superseded_on", sa.Date(), nullable=True))
        batch_op.create_index(
            "ix_aggregates_indicator_superseded_year",
            ["indicator_id", "superseded_on", "year"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("aggregates", schema=None) as batch_op:
        batch_op.drop_index("ix_aggregates_indicator_superseded_year")
        batch_op.drop_column("superseded_on")
        batch_op.drop_column("published_on")
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.drop_index("ix_observations_source")
        batch_op.drop_index("ix_observations_edition_indicator")
        batch_op.drop_index("ix_observations_ally_indicator_superseded")
        batch_op.drop_index("ix_observations_indicator_superseded_year")
        batch_op.drop_column("superseded_on")
        batch_op.drop_column("published_on")
