#!/usr/bin/env bash
# The README's test command (`corepack pnpm test`) lands here: dependencies from the
# lockfile, real Redis and PostgreSQL answering, then lint, typecheck and every test.
set -euo pipefail
cd "$(dirname "$0")/../.."
pnpm() { bash infra/local/pnpm.sh "$@"; }

pnpm install --frozen-lockfile --prefer-offline --reporter=silent
bash infra/local/ensure-services.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
pnpm exec turbo run lint typecheck test --log-order=grouped --continue --concurrency=3 "$@" 2>&1 | tee "$log" || status=$?

# One closing line over every vitest run (Node and workerd), for people and for CI.
plain=$(sed 's/\x1b\[[0-9;]*m//g' "$log")
sum() { awk '{ n += $1 } END { print n + 0 }'; }
counts=$(grep -E '^\S+ +Tests +' <<<"$plain" || true)
passed=$( (grep -oE '[0-9]+ passed' <<<"$counts" || true) | sum)
failed=$( (grep -oE '[0-9]+ failed' <<<"$counts" || true) | sum)
echo "tests: ${passed:-0} passed, ${failed:-0} failed"
if [ "$status" -eq 0 ] && [ "${passed:-0}" -eq 0 ]; then
  echo "no test ran: that is a failure" >&2
  exit 1
fi
exit "$status"
