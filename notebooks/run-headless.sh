#!/usr/bin/env bash
# Executes every notebook in notebooks/ headless against a running backend and checks the outputs:
# no error output anywhere, and at least one chart (image/svg+xml or image/png) per notebook. Then exports each
# executed notebook to HTML, renders it in headless Chromium, keeps a full-page screenshot in $MOELAB_NB_SCREENSHOTS
# (default target/notebooks/) and checks that every chart occupies visible, non-blank area (notebooks/tools/).
#   notebooks/run-headless.sh [NOTEBOOK.ipynb ...]        (default: every notebooks/*.ipynb)
# Starts ./moelab serve in the background (with a throw-away data dir) unless a backend already answers at
# $MOELAB_BACKEND_URL (default http://127.0.0.1:8080), and stops it again at the end. Installs the "moelab"
# Jupyter kernel (./moelab lab --kernel-only). Executed copies go to $MOELAB_NB_OUT (default: a temp dir),
# never over the committed notebooks, which stay without outputs. MOELAB_NB_QUICK (default 1 here) is passed to the
# kernels: 04 and 05 then use their quick mode (less calibration and evaluation data; their output says so);
# MOELAB_NB_QUICK=0 runs their full settings (then raise MOELAB_NB_CELL_TIMEOUT: 04's sweep takes ~40 min on 2 cores).
# Exit status 0 only when every check passed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BACKEND="${MOELAB_BACKEND_URL:-http://127.0.0.1:8080}"
OUT="${MOELAB_NB_OUT:-$(mktemp -d -t moelab-notebooks.XXXXXX)}"
TIMEOUT="${MOELAB_NB_CELL_TIMEOUT:-900}"
SHOTS="${MOELAB_NB_SCREENSHOTS:-$ROOT/target/notebooks}"
export MOELAB_NB_QUICK="${MOELAB_NB_QUICK:-1}"
JUPYTER=/usr/bin/jupyter
PYTHON=/usr/bin/python3
CHROMIUM=/usr/bin/chromium
TOOLS="$ROOT/notebooks/tools"
say() { printf '[run-headless] %s\n' "$*" >&2; }
die() { printf 'run-headless: error: %s\n' "$*" >&2; exit 1; }

[[ -x "$JUPYTER" ]] || JUPYTER="$(command -v jupyter || true)"
[[ -n "$JUPYTER" ]] || die "jupyter is missing (./moelab setup installs Debian's jupyter-nbconvert and friends)"
[[ -x "$PYTHON" ]] || PYTHON="$(command -v python3)"
[[ -x "$CHROMIUM" ]] || CHROMIUM="$(command -v chromium || command -v chromium-browser || true)"
[[ -n "$CHROMIUM" ]] || die "chromium is missing: the chart check renders every executed notebook in headless Chromium.
  Install it as root: apt-get install --no-install-recommends chromium   (./moelab setup does this)"
mkdir -p "$OUT" "$SHOTS"
SHOTS="$(cd "$SHOTS" && pwd)" # chromium opens file:// URLs: absolute paths

if [[ $# -gt 0 ]]; then NOTEBOOKS=("$@"); else NOTEBOOKS=("$ROOT"/notebooks/*.ipynb); fi
[[ -e "${NOTEBOOKS[0]}" ]] || die "no notebooks found"

"$ROOT/moelab" lab --kernel-only
JAVA="${JAVA_HOME:-$(cat "$ROOT/.moelab/java-home" 2>/dev/null || true)}/bin/java"
[[ -x "$JAVA" ]] || die "no JDK for the chart check (looked at \$JAVA_HOME and .moelab/java-home; ./moelab setup finds one)"
mkdir -p "$OUT/tools"
"${JAVA%/java}/javac" -d "$OUT/tools" "$TOOLS/ChartPixels.java" || die "cannot compile notebooks/tools/ChartPixels.java"

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

# The executed notebook as the browser shows it: HTML export (SVG charts as <img>, see tools/screenshot_prep.py),
# headless Chromium lays the page out (chart boxes from the DOM) and takes a full-page screenshot, and
# tools/ChartPixels.java checks that every chart is there and not blank.
screenshot_check() { # executed.ipynb -> 0 when every chart is visible
  local nb="$1" stem work charts height profile status=0
  stem="$(basename "$nb" .ipynb)"
  work="$OUT/$stem.screenshot"
  mkdir -p "$work"
  profile="$(mktemp -d -t moelab-chromium.XXXXXX)"
  charts="$("$PYTHON" "$TOOLS/screenshot_prep.py" view "$nb" "$work/$stem.ipynb")" || return 1
  "$JUPYTER" nbconvert --to html --output-dir "$SHOTS" --output "$stem" "$work/$stem.ipynb" > "$work/nbconvert.log" 2>&1 \
    || { say "nbconvert --to html failed; see $work/nbconvert.log"; return 1; }
  "$PYTHON" "$TOOLS/screenshot_prep.py" inject "$SHOTS/$stem.html" || return 1
  local chrome=(timeout 180 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile"
                --force-device-scale-factor=1 --virtual-time-budget=10000)
  "${chrome[@]}" --window-size=1280,900 --dump-dom "file://$SHOTS/$stem.html" > "$work/dom.html" 2> "$work/chromium.log" \
    || { say "chromium --dump-dom failed or took over 180 s; see $work/chromium.log"; rm -rf "$profile"; return 1; }
  height="$("$PYTHON" "$TOOLS/screenshot_prep.py" boxes "$work/dom.html" "$work/boxes.txt")" || { rm -rf "$profile"; return 1; }
  "${chrome[@]}" --window-size="1280,$height" --screenshot="$SHOTS/$stem.png" "file://$SHOTS/$stem.html" >> "$work/chromium.log" 2>&1 \
    || { say "chromium --screenshot failed or took over 180 s; see $work/chromium.log"; rm -rf "$profile"; return 1; }
  rm -rf "$profile"
  [[ -s "$SHOTS/$stem.png" ]] || { say "chromium wrote no screenshot; see $work/chromium.log"; return 1; }
  "$JAVA" -cp "$OUT/tools" ChartPixels "$SHOTS/$stem.png" "$work/boxes.txt" "$charts" >&2 || status=1
  say "screenshot: $SHOTS/$stem.png (page: $SHOTS/$stem.html)"
  return $status
}

say "quick mode for 04/05: MOELAB_NB_QUICK=$MOELAB_NB_QUICK (0 = their full settings)"
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
    continue
  fi
  executed=$(( $(date +%s) - start ))
  if ! screenshot_check "$OUT/$name"; then
    say "FAIL $name: a chart is missing or blank in the browser (screenshot check above)"
    failed=1
  else
    say "ok   $name (executed in $executed s, screenshot check $(( $(date +%s) - start - executed )) s)"
  fi
done
say "executed notebooks: $OUT; screenshots: $SHOTS"
[[ $failed -eq 0 ]] || die "some notebooks failed"
say "all notebooks passed"
