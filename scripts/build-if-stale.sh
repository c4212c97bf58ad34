#!/bin/sh
# `npm start`: compile src/ to dist/ only when a source or build setting is newer than the last build,
# so a second start costs nothing (tsc's incremental check alone takes seconds).
cd "$(dirname "$0")/.." || exit 1
stamp=dist/.built
if [ -f "$stamp" ] && [ -f dist/sluice/main.js ] && [ -f dist/web/index.html ] && [ -z "$(find src web tsconfig.json tsconfig.build.json package.json -newer "$stamp" -print -quit)" ]; then
  exit 0
fi
echo "building dist/ (npm run build)"
npm run --silent build && touch "$stamp"
