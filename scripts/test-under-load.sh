#!/usr/bin/env bash
# Runs `npm test` beside N busy CPU hogs (default 2, as on a loaded 2-core CI machine) and
# reports its wall time and exit code; RUNS times over (default 1). The hogs are bounded (each
# ends by itself after HOG_LIMIT seconds, default 900) and killed, by their own process ids,
# when the script ends, however it ends.
#   scripts/test-under-load.sh            # two hogs, one run
#   HOGS=0 RUNS=3 scripts/test-under-load.sh   # idle, three runs
set -u
HOGS=${HOGS:-2}
RUNS=${RUNS:-1}
HOG_LIMIT=${HOG_LIMIT:-900}
cd "$(dirname "$0")/.."

hogs=()
stop_hogs() {
  for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${hogs[@]}"; do wait "$pid" 2>/dev/null; done
  hogs=()
}
trap stop_hogs EXIT
trap 'exit 130' INT TERM

log=$(mktemp -t cwsync-test-under-load.XXXXXX)
status=0
for run in $(seq 1 "$RUNS"); do
  for _ in $(seq 1 "$HOGS"); do
    timeout "$HOG_LIMIT" node -e 'for (;;) {}' &
    hogs+=("$!")
  done
  # bash's time: wall, and the CPU time of npm test and everything it ran (the hogs are not its children).
  TIMEFORMAT='%R %U %S'
  { time npm test >"$log" 2>&1; } 2>"$log.time" && code=0 || code=1
  read -r wall user sys <"$log.time"
  stop_hogs
  summary=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^\s*(Test Files|Tests|Duration) ' | tr -s ' ' | paste -sd ';' -)
  printf 'run %d of %d, %d hogs: npm test exit %d, wall %.1f s, CPU %.1f s (user %.1f + sys %.1f); vitest: %s\n' \
    "$run" "$RUNS" "$HOGS" "$code" "$wall" "$(echo "$user + $sys" | bc)" "$user" "$sys" "$summary"
  if [ "$code" -ne 0 ]; then
    status=1
    echo "  failures (full output in $log):"
    grep -E 'FAIL|✗|×' "$log" | sed 's/\x1b\[[0-9;]*m//g' | head -20 | sed 's/^/    /'
  fi
done
[ "$status" -eq 0 ] && rm -f "$log" "$log.time"
exit "$status"
