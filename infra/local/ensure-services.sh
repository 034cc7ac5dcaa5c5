#!/usr/bin/env bash
# Makes sure the real Redis (127.0.0.1:6379) and PostgreSQL (127.0.0.1:5432, trust
# auth, database `test`) that the tests talk to are answering. Starts them when they
# are installed but stopped; installs Debian's packages when they are absent and we
# run as root; otherwise stops with a message naming what is missing.
set -euo pipefail

REDIS_PORT=${MEMORIA_TEST_REDIS_PORT:-6379}
PG_PORT=${MEMORIA_TEST_PG_PORT:-5432}
PG_DB=${MEMORIA_TEST_PG_DB:-test}

say() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

# Answers on a TCP port without needing redis-cli or psql.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

redis_ok() { port_open "$REDIS_PORT" && { ! command -v redis-cli >/dev/null || redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }; }
pg_ok() { command -v psql >/dev/null && psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$PG_DB" -Atqc 'select 1' 2>/dev/null | grep -q 1; }

apt_updated=0
apt_install() {
  is_root || die "$1 is not installed and this is not root. Install it: sudo apt-get install -y $*"
  command -v apt-get >/dev/null || die "$1 is not installed and there is no apt-get here. Install: $*"
  if [ "$apt_updated" = 0 ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  say "apt-get install -y $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for() { # name, check-function, seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do "$2" && return 0; sleep 0.1; done
  return 1
}

ensure_redis() {
  redis_ok && { say "redis answers on 127.0.0.1:$REDIS_PORT"; return; }
  command -v redis-server >/dev/null || apt_install redis-server redis-tools
  # Debian's package may start its own daemon; give it a moment before starting ours.
  wait_for redis redis_ok 2 && { say "redis answers on 127.0.0.1:$REDIS_PORT"; return; }
  local dir=/var/lib/redis log=/var/log/redis/ci.log
  if ! is_root; then dir=$(mktemp -d); log=$dir/redis.log; fi
  mkdir -p "$dir" "$(dirname "$log")"
  say "starting redis-server on 127.0.0.1:$REDIS_PORT"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" \
    --appendonly no --dir "$dir" --logfile "$log"
  wait_for redis redis_ok 10 || die "redis-server did not answer on 127.0.0.1:$REDIS_PORT (log: $log)"
  say "redis answers on 127.0.0.1:$REDIS_PORT"
}

# A fresh Debian cluster asks for passwords on TCP; the tests use trust auth on
# loopback only, as the machines here are set up.
pg_trust_loopback() {
  local hba
  hba=$(su postgres -c "psql -Atqc 'show hba_file'" 2>/dev/null) || return 0
  if ! grep -q '^# memoria-edge: trust loopback' "$hba"; then
    say "allowing trust auth on loopback in $hba"
    local tmp
    tmp=$(mktemp)
    {
      echo '# memoria-edge: trust loopback (tests and local demo only)'
      echo 'host all all 127.0.0.1/32 trust'
      echo 'host all all ::1/128 trust'
      echo 'host replication all 127.0.0.1/32 trust'
      cat "$hba"
    } >"$tmp"
    cat "$tmp" >"$hba"
    rm -f "$tmp"
    su postgres -c "psql -Atqc 'select pg_reload_conf()'" >/dev/null
  fi
}

ensure_pg() {
  pg_ok && { say "postgres answers on 127.0.0.1:$PG_PORT (db $PG_DB)"; return; }
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    apt_install postgresql postgresql-client
  fi
  command -v pg_ctlcluster >/dev/null || die "PostgreSQL is installed without Debian's pg_ctlcluster; start it on 127.0.0.1:$PG_PORT with database $PG_DB and trust auth"
  is_root || die "PostgreSQL does not answer on 127.0.0.1:$PG_PORT and starting the system cluster needs root. Start it (sudo pg_ctlcluster <version> main start) and create database $PG_DB"
  local version
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
  if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n1)
    say "creating cluster $version/main"
    pg_createcluster "$version" main >/dev/null
  fi
  if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" && $4=="online"' | grep -q .; then
    say "starting PostgreSQL $version/main"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
  fi
  pg_trust_loopback
  su postgres -c "psql -Atqc \"select 1 from pg_database where datname='$PG_DB'\"" | grep -q 1 ||
    su postgres -c "createdb '$PG_DB'"
  wait_for postgres pg_ok 15 || die "PostgreSQL did not answer on 127.0.0.1:$PG_PORT as user postgres, db $PG_DB"
  say "postgres answers on 127.0.0.1:$PG_PORT (db $PG_DB)"
}

ensure_redis
ensure_pg
