# Shared settings of the local cluster, sourced by the other deploy/ scripts (not run alone).
#
# Every port derives from CLUSTER_PORT, so a second cluster only needs another CLUSTER_PORT
# (at least 5 apart) and CLUSTER_DIR; none of them meets the CI ports (55432, 8765).
#   CLUSTER_PORT     nginx, the one public address          (default 8080)
#   CLUSTER_PORT+1   API replica 1 (nato-api serve)
#   CLUSTER_PORT+2   API replica 2
#   CLUSTER_PORT+3   PostgreSQL primary (read-write: migrate and seed run here)
#   CLUSTER_PORT+4   PostgreSQL standby (streaming replica, read-only, serves the API reads)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CLUSTER_PORT=${CLUSTER_PORT:-8080}
# Another CLUSTER_PORT, another directory: a second cluster never stops or wipes the first.
if [ "$CLUSTER_PORT" = 8080 ]; then default_dir=$ROOT/var/cluster; else default_dir=$ROOT/var/cluster-$CLUSTER_PORT; fi
CLUSTER_DIR=$(mkdir -p "${CLUSTER_DIR:-$default_dir}" && cd "${CLUSTER_DIR:-$default_dir}" && pwd)
# Seconds a non-pinned answer may be served from a cache (the API's Cache-Control max-age,
# which nginx honours): the longest a re-seed takes to reach readers, plus a second.
CLUSTER_CACHE_MAX_AGE=${CLUSTER_CACHE_MAX_AGE:-10}
API_PORTS="$((CLUSTER_PORT + 1)) $((CLUSTER_PORT + 2))"
PRIMARY_PORT=$((CLUSTER_PORT + 3))
STANDBY_PORT=$((CLUSTER_PORT + 4))
DB_NAME=nato
DB_USER=nato
VENV_BIN=${VENV_BIN:-$ROOT/.venv/bin}
PRIMARY_URL="postgresql+psycopg://$DB_USER@127.0.0.1:$PRIMARY_PORT/$DB_NAME"
REPLICA_URL="postgresql+psycopg://$DB_USER@127.0.0.1:$STANDBY_PORT/$DB_NAME"
CLUSTER_URL="http://127.0.0.1:$CLUSTER_PORT"

# The newest PostgreSQL server binaries Debian installed (/usr/lib/postgresql/N/bin).
pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true; }

# PostgreSQL refuses to run as root: as root, run its tools as the postgres user.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# Wait until `command...` succeeds, up to $1 tenths of a second; fail with a message.
wait_for() {
  local tries=$1 what=$2
  shift 2
  for _ in $(seq "$tries"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "cluster: $what did not answer in $((tries / 10)) s" >&2
  return 1
}

http_ok() { "$VENV_BIN/python" -c "import sys, urllib.request as u; u.urlopen(sys.argv[1], timeout=1)" "$1"; }
