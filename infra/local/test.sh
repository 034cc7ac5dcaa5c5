#!/usr/bin/env bash
# The README's test command (`corepack pnpm test`) lands here: dependencies from the
# lockfile, real Redis and PostgreSQL answering, then lint, typecheck and every test.
set -euo pipefail
cd "$(dirname "$0")/../.."
pnpm() { bash infra/local/pnpm.sh "$@"; }

pnpm install --frozen-lockfile --prefer-offline --reporter=silent
bash infra/local/ensure-services.sh
pnpm exec turbo run lint typecheck test --log-order=grouped "$@"
