#!/bin/sh
# docker-compose.yml's primary, on its first start (docker-entrypoint-initdb.d): the API's
# role and database, a replication role the standby may connect as from the compose network,
# and the slot it streams through. The same steps as deploy/cluster-up, with passwords.
set -eu
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE nato LOGIN PASSWORD '$NATO_DB_PASSWORD';
CREATE DATABASE nato OWNER nato;
CREATE ROLE replicator LOGIN REPLICATION PASSWORD '$REPLICATION_PASSWORD';
SELECT pg_create_physical_replication_slot('standby1');
SQL
