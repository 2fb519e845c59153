#!/usr/bin/env bash
# Renders every docs/diagrams/*.puml to docs/diagrams/*.svg with PlantUML, and fails (non-zero,
# naming the file and line) when any diagram does not compile. The SVGs are committed beside
# their sources; CI runs this script (.ci/run), so a diagram that stops compiling fails the run.
#
# PlantUML is Debian's package (`apt-get install -y plantuml graphviz`, version 1.2020): write
# diagrams in that version's syntax (skinparam, no themes). Shared styling is in
# docs/diagrams/style.iuml (not a diagram of its own: only *.puml files are rendered).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=docs/diagrams

if ! command -v plantuml >/dev/null; then
  echo "render-diagrams: plantuml is not installed (apt-get install -y plantuml graphviz)" >&2
  exit 1
fi
shopt -s nullglob
sources=("$dir"/*.puml)
if [ ${#sources[@]} -eq 0 ]; then
  echo "render-diagrams: no diagrams in $dir" >&2
  exit 1
fi

# 1. Syntax of every diagram first, so a broken one leaves the committed SVGs untouched.
#    PlantUML exits non-zero (200) when any file has an error, but -checkonly does not say
#    which: on a failure, check them one by one to name each broken file and line.
if ! plantuml -checkonly "${sources[@]}" 2>/dev/null; then
  for src in "${sources[@]}"; do
    plantuml -checkonly "$src" >/dev/null 2>&1 && continue
    # -syntax reads the diagram on stdin (includes resolve from the diagram's folder) and
    # answers ERROR, the 0-based line, and the message.
    report=$(cd "$dir" && plantuml -syntax <"$(basename "$src")" 2>/dev/null | tr '\n' ' ' || true)
    echo "render-diagrams: $src does not compile: $report" >&2
  done
  echo "render-diagrams: fix the diagrams above (PlantUML $(plantuml -version 2>/dev/null | head -n1 | awk '{print $3}'))" >&2
  exit 1
fi

# 2. Render. -nometadata: no copy of the source and the Java version in the SVG, so the output
#    depends on the diagram alone (the same bytes on every machine with this PlantUML).
if ! plantuml -tsvg -nometadata "${sources[@]}"; then
  echo "render-diagrams: rendering failed" >&2
  exit 1
fi
for src in "${sources[@]}"; do
  svg="${src%.puml}.svg"
  if [ ! -s "$svg" ]; then
    echo "render-diagrams: $svg was not written" >&2
    exit 1
  fi
done

# 3. An SVG whose source is gone is stale: remove it.
for svg in "$dir"/*.svg; do
  [ -e "${svg%.svg}.puml" ] || { echo "render-diagrams: removing $svg (no ${svg%.svg}.puml)"; rm -f "$svg"; }
done
echo "render-diagrams: ${#sources[@]} diagrams rendered to $dir/*.svg"
