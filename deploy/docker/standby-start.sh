#!/bin/sh
# docker-compose.yml's standby: on its first start, a base backup of the primary (-R: it
# follows the primary, -S: through the slot standby1), then PostgreSQL in hot standby.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_basebackup -h primary -U replicator -D "$PGDATA" -R -S standby1 -X stream; do
    echo "standby: waiting for the primary" >&2
    sleep 2
  done
  chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on -c hot_standby_feedback=on
