#!/usr/bin/env bash
# The throwaway ClickHouse server `vigil bench query` measures its ClickHouse peer against
# (Debian's clickhouse-server package).
#
#   clickhouse.sh start DIR HTTP_PORT TCP_PORT   writes a configuration into DIR (which must not
#                                                exist), starts the server on 127.0.0.1 with its
#                                                data in DIR and waits until it answers
#   clickhouse.sh stop DIR                       stops that server and removes DIR
#
# One query thread (max_threads = 1): the benchmark compares engines on one core. No password:
# the server listens on loopback only and is stopped after the run. Messages go to stderr; the
# server's own log stays in DIR/server.log until `stop`.
set -euo pipefail

SERVER=${VIGIL_CLICKHOUSE_SERVER:-/usr/sbin/clickhouse-server}
MARKER=.vigil-bench-clickhouse

die() {
  echo "clickhouse.sh: $*" >&2
  exit 1
}

start() {
  local dir=$1 http_port=$2 tcp_port=$3
  [ -x "$SERVER" ] ||
    die "ClickHouse is not installed ($SERVER is missing; scripts/install-deps --bench installs it)"
  [[ "$http_port" =~ ^[0-9]+$ && "$tcp_port" =~ ^[0-9]+$ ]] || die "bad ports"
  [[ "$dir" = /* ]] || dir="$PWD/$dir"
  [[ "$dir" != *[\<\>\&]* ]] || die "the directory name must not contain < > or &"
  [ ! -e "$dir" ] || die "$dir exists already"
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files"
  touch "$dir/$MARKER"
  cat >"$dir/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/server.log</log><errorlog>$dir/server.err.log</errorlog></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$http_port</http_port>
  <tcp_port>$tcp_port</tcp_port>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>1073741824</mark_cache_size>
</yandex>
EOF
  cat >"$dir/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_threads>1</max_threads></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
EOF
  "$SERVER" --config-file="$dir/config.xml" >"$dir/stdout.log" 2>&1 &
  echo $! >"$dir/server.pid"
  for i in $(seq 1 300); do
    if curl -sf "http://127.0.0.1:$http_port/?query=SELECT%201" >/dev/null 2>&1; then
      return 0
    fi
    if ! kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then
      die "the server exited: $(tail -n 5 "$dir/server.err.log" "$dir/stdout.log" 2>/dev/null)"
    fi
    sleep 0.1  # polling for readiness, not synchronising a test
  done
  die "the server did not answer within 30 s"
}

stop() {
  local dir=$1
  [ -f "$dir/$MARKER" ] || die "$dir is not a directory this script made"
  if [ -f "$dir/server.pid" ]; then
    local pid
    pid=$(cat "$dir/server.pid")
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) [ $# -eq 4 ] || die "usage: clickhouse.sh start DIR HTTP_PORT TCP_PORT"; start "$2" "$3" "$4" ;;
  stop) [ $# -eq 2 ] || die "usage: clickhouse.sh stop DIR"; stop "$2" ;;
  *) die "usage: clickhouse.sh start DIR HTTP_PORT TCP_PORT | stop DIR" ;;
esac
