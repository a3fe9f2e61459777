#!/usr/bin/env bash
# Executes every notebook in notebooks/ headless against a running backend and checks the outputs:
# no error output anywhere, and at least one chart (image/svg+xml or image/png) per notebook.
#   notebooks/run-headless.sh [NOTEBOOK.ipynb ...]        (default: every notebooks/*.ipynb)
# Starts ./moelab serve in the background (with a throw-away data dir) unless a backend already answers at
# $MOELAB_BACKEND_URL (default http://127.0.0.1:8080), and stops it again at the end. Installs the "moelab"
# Jupyter kernel (./moelab lab --kernel-only). Executed copies go to $MOELAB_NB_OUT (default: a temp dir),
# never over the committed notebooks, which stay without outputs. Exit status 0 only when every check passed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BACKEND="${MOELAB_BACKEND_URL:-http://127.0.0.1:8080}"
OUT="${MOELAB_NB_OUT:-$(mktemp -d -t moelab-notebooks.XXXXXX)}"
TIMEOUT="${MOELAB_NB_CELL_TIMEOUT:-900}"
JUPYTER=/usr/bin/jupyter
PYTHON=/usr/bin/python3
say() { printf '[run-headless] %s\n' "$*" >&2; }
die() { printf 'run-headless: error: %s\n' "$*" >&2; exit 1; }

[[ -x "$JUPYTER" ]] || JUPYTER="$(command -v jupyter || true)"
[[ -n "$JUPYTER" ]] || die "jupyter is missing (./moelab setup installs Debian's jupyter-nbconvert and friends)"
[[ -x "$PYTHON" ]] || PYTHON="$(command -v python3)"
mkdir -p "$OUT"

if [[ $# -gt 0 ]]; then NOTEBOOKS=("$@"); else NOTEBOOKS=("$ROOT"/notebooks/*.ipynb); fi
[[ -e "${NOTEBOOKS[0]}" ]] || die "no notebooks found"

"$ROOT/moelab" lab --kernel-only

ready() { curl -fsS -o /dev/null --max-time 3 "$BACKEND/q/health/ready" 2>/dev/null; }
BACKEND_PID=""
stop_backend() {
  if [[ -n "$BACKEND_PID" ]]; then
    pkill -TERM -P "$BACKEND_PID" 2>/dev/null || true
    kill "$BACKEND_PID" 2>/dev/null || true
    wait "$BACKEND_PID" 2>/dev/null || true
  fi
}
trap stop_backend EXIT
if ready; then
  say "using the backend at $BACKEND"
else
  DATA="$(mktemp -d -t moelab-nb-data.XXXXXX)"
  say "starting ./moelab serve (data dir $DATA, log $OUT/backend.log)"
  PORT="${BACKEND##*:}"; PORT="${PORT%%/*}"
  MOELAB_PORT="${PORT:-8080}" MOELAB_DATA_DIR="$DATA" "$ROOT/moelab" serve > "$OUT/backend.log" 2>&1 &
  BACKEND_PID=$!
  waited=0
  until ready; do
    kill -0 "$BACKEND_PID" 2>/dev/null || { tail -n 30 "$OUT/backend.log" >&2; die "the backend exited while starting"; }
    [[ $waited -ge 300 ]] && die "the backend was not ready within 300 s (see $OUT/backend.log)"
    sleep 2; waited=$((waited + 2))
  done
  say "backend ready after ${waited} s"
fi

failed=0
for nb in "${NOTEBOOKS[@]}"; do
  name="$(basename "$nb")"
  say "executing $name"
  start=$(date +%s)
  if ! "$JUPYTER" nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=moelab \
        --ExecutePreprocessor.timeout="$TIMEOUT" --output-dir "$OUT" --output "$name" "$nb" > "$OUT/$name.log" 2>&1; then
    say "FAIL $name: execution stopped (a cell raised an error or timed out); see $OUT/$name.log"
    sed -n '/^nbclient.exceptions.CellExecutionError/,$p' "$OUT/$name.log" | sed 's/\x1b\[[0-9;]*m//g' | grep -v '^\s*$' >&2 || true
    failed=1
    continue
  fi
  if ! "$PYTHON" - "$OUT/$name" <<'PY'
import json, sys
nb = json.load(open(sys.argv[1]))
errors, charts, cells = [], 0, 0
for i, c in enumerate(nb["cells"]):
    if c["cell_type"] != "code":
        continue
    cells += 1
    for o in c.get("outputs", []):
        if o.get("output_type") == "error":
            errors.append(f"cell {i}: {o.get('ename')}: {o.get('evalue')}")
        data = o.get("data", {})
        if "image/svg+xml" in data or "image/png" in data:
            charts += 1
for e in errors:
    print("  error output: " + e, file=sys.stderr)
if charts == 0:
    print("  no image/svg+xml or image/png output in the whole notebook", file=sys.stderr)
print(f"  {cells} code cells, {charts} chart outputs, {len(errors)} error outputs", file=sys.stderr)
sys.exit(1 if errors or charts == 0 else 0)
PY
  then
    say "FAIL $name"
    failed=1
  else
    say "ok   $name ($(( $(date +%s) - start )) s)"
  fi
done
say "executed notebooks: $OUT"
[[ $failed -eq 0 ]] || die "some notebooks failed"
say "all notebooks passed"
