#!/usr/bin/env bash
# Runs the pnpm pinned in package.json's packageManager, through corepack (bundled
# with Node 20). The pin carries its sha512, which lets Node 20's corepack install
# it although it cannot verify the npm registry's newer signing keys. turbo looks for
# a `pnpm` binary on PATH, so a corepack shim directory is put first on PATH as well.
set -euo pipefail
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
# turbo and wrangler would otherwise phone home; this workspace talks to package registries only.
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 WRANGLER_SEND_METRICS=false
if ! command -v corepack >/dev/null; then
  printf '[pnpm] corepack is missing (it ships with Node 20); install Node 20 with npm, or: npm install -g corepack@0.34\n' >&2
  exit 1
fi
if [ "$(command -v pnpm 2>/dev/null || true)" = "" ] || ! pnpm --version >/dev/null 2>&1; then
  shims="${TMPDIR:-/tmp}/memoria-edge-corepack-$(id -u)"
  mkdir -p "$shims"
  [ -x "$shims/pnpm" ] || corepack enable --install-directory "$shims" pnpm
  export PATH="$shims:$PATH"
fi
exec corepack pnpm "$@"
