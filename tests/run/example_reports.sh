#!/usr/bin/env bash
# tests/run/example_reports.sh — runs every example run file with one keel
# binary and keeps the reports, so that two builds (main and a branch) can be
# compared byte for byte:
#
#   tests/run/example_reports.sh build-main/bin/keel /tmp/ref      # before
#   tests/run/example_reports.sh build/bin/keel /tmp/now /tmp/ref  # after: compares
#
# Each example's report goes to OUT/<example>/. manifest.json is rewritten
# without what legitimately differs between two builds (the plugins' paths
# and hashes); every file of the reference must be there and identical. A
# file only the new report has (a report file added since) is listed as an
# addition, not a difference. Exit status 1 when a comparison finds a
# difference. Runs whose plugins were not built (Rust,
# OCaml, Python) are skipped with a note, in both builds alike.
set -euo pipefail
keel=$(realpath "$1")
out=$(realpath -m "$2")
ref=${3:+$(realpath "$3")}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
status=0
for file in "$root"/config/examples/*.json "$root"/examples/python/*.json; do
  name=$(basename "$(dirname "$file")")_$(basename "$file" .json)
  dest="$out/$name"
  rm -rf "$dest"
  if ! "$keel" run "$file" --output "$dest" >"$out/$name.log" 2>&1; then
    echo "skip $name: keel run failed (see $out/$name.log)"
    rm -rf "$dest"
    continue
  fi
  python3 - "$dest/manifest.json" <<'PY'
import json, sys
path = sys.argv[1]
with open(path) as f:
    doc = json.load(f)
for plugin in doc.get("plugins", []):
    plugin.pop("path", None)
    plugin.pop("sha256", None)
with open(path, "w") as f:
    json.dump(doc, f, indent=1, sort_keys=True)
PY
  if [ -n "$ref" ]; then
    if [ ! -d "$ref/$name" ]; then
      echo "new  $name: no reference"
    else
      # Differences other than files only in the new report.
      problems=$(diff -r -q "$ref/$name" "$dest" | grep -v "^Only in $dest: " || true)
      added=$(diff -r -q "$ref/$name" "$dest" | sed -n "s|^Only in $dest: ||p" | tr '\n' ' ' || true)
      if [ -z "$problems" ]; then
        echo "same $name ($(ls "$ref/$name" | wc -l) files)${added:+; new: $added}"
      else
        echo "DIFF $name:"; echo "$problems" | sed "s/^/  /"; status=1
      fi
    fi
  else
    echo "kept $name ($(ls "$dest" | wc -l) files)"
  fi
done
exit $status
