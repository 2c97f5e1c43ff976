#!/usr/bin/env bash
# The Helm chart, rendered by the real helm (v4, from the npm package that scripts/setup
# installs into tests/chart/node_modules) with every values combination in values/, linted,
# and each object validated against the Kubernetes schemas (validate.mjs).
#   tests/chart/render_test.sh CHART_DIR OUT_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
chart=${1:?chart directory}
out=${2:?output directory}
helm=$here/node_modules/.tools/helm/helm
if [[ ! -x $helm ]]; then
  echo "chart test: no helm at $helm; run scripts/setup" >&2
  exit 1
fi
mkdir -p "$out"
"$helm" version --short
"$helm" lint --strict "$chart"
for values in "$here"/values/*.yaml; do
  name=$(basename "$values" .yaml)
  "$helm" lint --strict "$chart" -f "$values" >/dev/null
  "$helm" template cases "$chart" --namespace soc -f "$values" >"$out/$name.yaml"
  node "$here/validate.mjs" "$out/$name.yaml" "$name"
done
