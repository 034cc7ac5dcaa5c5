#!/usr/bin/env bash
# Runs the pnpm pinned in package.json's packageManager, through corepack (bundled
# with Node 20). The pin carries its sha512, which lets Node 20's corepack install
# it although it cannot verify the npm registry's newer signing keys.
set -euo pipefail
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
if command -v corepack >/dev/null; then
  exec corepack pnpm "$@"
fi
printf '[pnpm] corepack is missing (it ships with Node 20); install Node 20 with npm, or: npm install -g corepack@0.34\n' >&2
exit 1
