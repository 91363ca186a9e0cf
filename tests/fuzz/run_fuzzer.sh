#!/usr/bin/env bash
# tests/fuzz/run_fuzzer.sh — runs one libFuzzer harness (tests/fuzz/*_fuzzer.cpp),
# for ctest (`make test-fuzz`) and `make fuzz`.
#
#   run_fuzzer.sh replay HARNESS CORPUS WORK
#       every entry of CORPUS once, in full, one process each (so every
#       entry that fails is named, not just the first)
#   run_fuzzer.sh check HARNESS CORPUS WORK SECONDS
#       fuzzes for SECONDS from CORPUS with a fixed seed (FUZZ_SEED, default
#       1) and a fresh scratch corpus: the short run of `make test`
#   run_fuzzer.sh fuzz HARNESS CORPUS WORK SECONDS
#       fuzzes for SECONDS with a random seed (or FUZZ_SEED), keeping the
#       inputs it finds in WORK/corpus across runs: `make fuzz`
#
# Nothing is written to CORPUS. WORK gets corpus/ (new inputs), findings/
# (reproducers), tmp/ (the harness's per-process scratch dirs) and log.
# A finding exits 1 after printing the reproducer's path and the command
# that replays it. FUZZ_MAX_LEN (default 8192) caps generated inputs (not
# corpus entries); FUZZ_TIMEOUT (default 10 s) makes a slower input a
# finding; FUZZ_ARGS is passed on to libFuzzer.
set -u -o pipefail

usage() {
  echo "usage: $0 replay HARNESS CORPUS WORK | check|fuzz HARNESS CORPUS WORK SECONDS" >&2
  exit 2
}
[ $# -ge 4 ] || usage
mode=$1 harness=$2 corpus=$3 work=$4
seconds=${5:-}
case $mode in
  replay) ;;
  check | fuzz) [ -n "$seconds" ] || usage ;;
  *) usage ;;
esac
[ -x "$harness" ] || { echo "$harness: no such harness (build the keel_fuzzers target)" >&2; exit 2; }
[ -d "$corpus" ] || { echo "$corpus: no such corpus directory" >&2; exit 2; }

name=$(basename "$harness")
name=${name#fuzz_}
here=$(cd "$(dirname "$0")" && pwd)
dict=$here/$name.dict

mkdir -p "$work/findings" "$work/tmp"
rm -rf "${work:?}/tmp/"*
export TMPDIR=$work/tmp
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
common=(-timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 -artifact_prefix="$work/findings/")
# shellcheck disable=SC2206  # FUZZ_ARGS is a list of flags
extra=(${FUZZ_ARGS:-})

# report_finding LOG REPRODUCER: what broke, and how to replay it.
report_finding() {
  local log=$1 input=$2
  echo
  echo "---- last lines of $log"
  tail -n 60 "$log"
  echo "----"
  local what
  what=$(grep -m1 -E '^==== keel fuzz finding|^==[0-9]+==ERROR|runtime error:|^SUMMARY:|ERROR: libFuzzer' "$log")
  echo "FUZZ FINDING in fuzz_$name: ${what:-see $log}"
  echo "  reproducer: $input"
  echo "  replay:     $harness $input"
  echo "  minimise:   $harness -minimize_crash=1 -runs=100000 -artifact_prefix=$work/findings/ $input"
  if [ "$mode" = replay ]; then
    echo "  a corpus entry (a past finding or a seed) fails: fix the code, keep the entry"
  else
    echo "  once fixed, keep it so that every 'make test' replays it:"
    echo "              cp $input $corpus/<a-name-saying-what-it-is>"
  fi
}

case $mode in
  replay)
    : > "$work/log"
    failed=0 count=0
    while IFS= read -r -d '' input; do
      count=$((count + 1))
      one=$work/last.log
      if ! "$harness" "${common[@]}" "${extra[@]}" "$input" > "$one" 2>&1; then
        cat "$one" >> "$work/log"
        report_finding "$one" "$input"
        failed=$((failed + 1))
      fi
    done < <(find "$corpus" -type f ! -name '.*' -print0 | sort -z)
    [ "$count" -gt 0 ] || { echo "$corpus: empty corpus" >&2; exit 1; }
    echo "fuzz_$name: $count corpus entries, $failed failed"
    [ "$failed" -eq 0 ]
    exit
    ;;
  check)
    seed=${FUZZ_SEED:-1}
    rm -rf "${work:?}/corpus"
    ;;
  fuzz)
    seed=${FUZZ_SEED:-0}
    ;;
esac

mkdir -p "$work/corpus"
args=("${common[@]}" -max_total_time="$seconds" -seed="$seed" -max_len="${FUZZ_MAX_LEN:-8192}"
      -print_final_stats=1)
[ -f "$dict" ] && args+=(-dict="$dict")
before=$(find "$work/corpus" -type f | wc -l)
echo "fuzz_$name: fuzzing for ${seconds}s from $corpus (seed $seed; new inputs in $work/corpus)"
if [ "$mode" = fuzz ]; then
  "$harness" "${args[@]}" "${extra[@]}" "$work/corpus" "$corpus" 2>&1 | tee "$work/log"
else
  "$harness" "${args[@]}" "${extra[@]}" "$work/corpus" "$corpus" > "$work/log" 2>&1
fi
status=$?
if [ $status -ne 0 ]; then
  input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$work/log" | tail -n 1)
  report_finding "$work/log" "${input:-(none written; see $work/log)}"
  exit 1
fi
after=$(find "$work/corpus" -type f | wc -l)
grep -E '^Done [0-9]+ runs|^stat::number_of_executed_units|^stat::peak_rss_mb' "$work/log" | tr '\n' ' '
echo
echo "fuzz_$name: no finding; $((after - before)) new inputs in $work/corpus (not added to the repo)"
if [ "$mode" = fuzz ]; then
  echo "  to keep a finding: cp <reproducer> $corpus/<a-name-saying-what-it-is> (README.md, "Fuzzing")"
fi
