#!/bin/sh
# The whole test suite: set-up (idempotent), lint, type-check (tsc in set-up), unit and end-to-end
# tests on the real tools, then a check that no test left anything behind.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
[ -x .node/bin/node ] && PATH="$PWD/.node/bin:$PATH" && export PATH
# Every temporary file of this run goes under one directory of its own, so that the leak check
# sees what this run left, not what another run on the same machine is using or left when killed.
TMPDIR=$(mktemp -d /tmp/berth-suite-XXXXXX)
export TMPDIR
trap 'rm -rf --one-file-system "$TMPDIR"' EXIT
echo "test: lint"
npx --no-install eslint .
echo "test: unit and end-to-end tests"
node --test --test-concurrency=2 --test-timeout=900000 'dist/src/**/*.test.js' 'dist/test/**/*.test.js'
echo "test: leak check"
node dist/test/leaks.js
