#!/usr/bin/env bash
# Builds the web client and console (run by CMake's `web` target):
#   1. the ES client from the protos (buf + protoc-gen-es) into src/gen/;
#   2. a type check of the client, the console and the tests (tsc);
#   3. the console bundle (esbuild) with its page and stylesheet into CONSOLE_DIR;
#   4. the Node tests (esbuild) into web/.build/test/, beside node_modules so their
#      imports resolve.
#   web/build.sh CONSOLE_DIR
set -euo pipefail
web=$(cd "$(dirname "$0")" && pwd)
console_dir=${1:?usage: web/build.sh CONSOLE_DIR}
cd "$web"
if [[ ! -x node_modules/.bin/esbuild ]]; then
  echo "web/build.sh: web/node_modules is missing; run scripts/setup" >&2
  exit 1
fi
../node_modules/@bufbuild/buf-linux-x64/bin/buf generate
node_modules/.bin/tsc -p tsconfig.json
mkdir -p "$console_dir"
node_modules/.bin/esbuild src/console/main.ts --bundle --format=esm --target=chrome110 --minify \
  --sourcemap --log-level=warning --outfile="$console_dir/app.js"
cp console/index.html console/style.css "$console_dir/"
rm -rf .build/test
node_modules/.bin/esbuild test/*.test.ts --bundle --platform=node --format=esm --target=node20 \
  --packages=external --log-level=warning --outdir=.build/test --out-extension:.js=.mjs
