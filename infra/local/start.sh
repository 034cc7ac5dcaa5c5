#!/usr/bin/env bash
# The README's demo command (`corepack pnpm start`): the multi-region demo of Memoria Edge
# (`--regions N`, 2 to 6, default 3) on
# this machine, on private Redis and PostgreSQL instances in temp dirs.
set -euo pipefail
cd "$(dirname "$0")/../.."
pnpm() { bash infra/local/pnpm.sh "$@"; }

say() { printf '[start] %s\n' "$*" >&2; }
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing ${missing[*]} (Debian packages)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    say "missing: ${missing[*]}. Install them first, e.g.: sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
fi

pnpm install --frozen-lockfile --prefer-offline --reporter=silent
# node runs the demo itself, not `pnpm --filter … run`: Ctrl-C then reaches one process,
# which stops everything it started and exits 0, and no pnpm layer reports the
# interrupted run as a failure. The demo drops the `--` that `pnpm start -- …` passes on.
cd apps/edge-router
exec node --import tsx local/demo.ts "$@"
