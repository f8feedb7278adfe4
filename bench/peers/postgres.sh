#!/usr/bin/env bash
# The throwaway PostgreSQL 15 cluster `vigil bench ingest` measures its PostgreSQL peer against.
#
#   postgres.sh start DIR PORT   initialises a cluster in DIR (which must not exist), starts it
#                                on 127.0.0.1:PORT with its unix socket in DIR, creates the
#                                database `vigil` and prints its libpq conninfo on stdout
#   postgres.sh stop DIR         stops that cluster (fast shutdown) and removes DIR
#
# The server keeps PostgreSQL's defaults (fsync, synchronous_commit, full_page_writes on): the
# benchmark compares durable ingest. PostgreSQL refuses to run as root, so as root the cluster
# belongs to the `postgres` OS user (from the postgresql-common package). Messages go to stderr;
# the server's own log stays in DIR/server.log until `stop`.
set -euo pipefail

PGBIN=${VIGIL_PGBIN:-/usr/lib/postgresql/15/bin}
# Written at start and checked by stop, so that stop never removes a directory it did not make.
MARKER=.vigil-bench-postgres

die() {
  echo "postgres.sh: $*" >&2
  exit 1
}

# Runs a PostgreSQL program as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local dir=$1 port=$2
  [ -x "$PGBIN/initdb" ] ||
    die "PostgreSQL 15 is not installed ($PGBIN/initdb is missing;" \
      "scripts/install-deps --bench installs it)"
  [[ "$port" =~ ^[0-9]+$ ]] || die "bad port '$port'"
  [[ "$dir" = /* ]] || dir="$PWD/$dir"
  # Quoted into postgresql.conf and the conninfo below; keep that quoting trivially correct.
  [[ "$dir" != *[\'\\]* ]] || die "the directory name must not contain a quote or a backslash"
  # A unix socket path is limited to 107 bytes.
  [ ${#dir} -le 90 ] || die "the directory path is too long for a unix socket: $dir"
  [ ! -e "$dir" ] || die "$dir exists already"

  mkdir -m 700 "$dir"
  touch "$dir/$MARKER"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "there is no postgres OS user to run the server as"
    chown -R postgres: "$dir"
    runuser -u postgres -- test -w "$dir" ||
      die "the postgres OS user cannot reach $dir (a parent directory is not searchable by it)"
  fi
  # The programs run as another user from here; a cwd it cannot read would only make noise.
  cd "$dir"

  # The C locale: finding ids are ASCII, and figures should not depend on the machine's locale.
  if ! as_owner "$PGBIN/initdb" -D "$dir/data" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1; then
    die "initdb failed: $(tail -n 5 "$dir/initdb.log")"
  fi
  # Local connections are trusted, but the socket lives in DIR, which only the owner (and root)
  # can enter; over TCP no user has a password, so nobody can log in that way.
  cat >>"$dir/data/postgresql.conf" <<EOF

# vigil bench ingest: loopback only, socket in the benchmark's directory.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
EOF

  if ! as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -W start >/dev/null 2>&1; then
    die "pg_ctl start failed: $(tail -n 5 "$dir/server.log" 2>/dev/null)"
  fi
  local ready=0
  for i in $(seq 1 300); do
    if "$PGBIN/pg_isready" -q -h "$dir" -p "$port"; then
      ready=1
      break
    fi
    # Stop waiting as soon as the server has given up (port taken, no shared memory, ...).
    [ -f "$dir/data/postmaster.pid" ] || [ "$i" -lt 20 ] || break
    sleep 0.1
  done
  [ "$ready" -eq 1 ] ||
    die "the server did not become ready in 30 s: $(tail -n 5 "$dir/server.log" 2>/dev/null)"
  as_owner "$PGBIN/createdb" -h "$dir" -p "$port" -U postgres vigil >/dev/null ||
    die "createdb failed"
  echo "host='$dir' port=$port dbname=vigil user=postgres"
}

stop() {
  local dir=$1
  [ -d "$dir" ] || return 0
  [ -f "$dir/$MARKER" ] || die "$dir was not made by postgres.sh start; not removing it"
  if [ -f "$dir/data/postmaster.pid" ]; then
    cd "$dir"
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null ||
      die "pg_ctl stop failed; the server in $dir may still be running"
    cd /
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start)
    [ $# -eq 3 ] || die "usage: postgres.sh start DIR PORT"
    start "$2" "$3"
    ;;
  stop)
    [ $# -eq 2 ] || die "usage: postgres.sh stop DIR"
    stop "$2"
    ;;
  *)
    die "usage: postgres.sh start DIR PORT | postgres.sh stop DIR"
    ;;
esac
