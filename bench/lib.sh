# Shared helpers for the benchmark scripts (sourced from the repository's root).

# bench_setup [PACKAGES]: the project's set-up with bc (and PACKAGES), and its Node.js on PATH.
bench_setup() {
  EXTRA_PACKAGES="bc${1:+ $1}" scripts/setup.sh >/dev/null
  if [ -x .node/bin/node ]; then PATH="$PWD/.node/bin:$PATH"; fi
}
now() { date +%s.%N; }

# seconds CMD...: the wall time of one run of a command (after a sync, so that writeback left by
# the previous run is not charged to this one).
seconds() {
  sync; t0=$(now); "$@" >/dev/null; t1=$(now)
  echo "$t1 - $t0" | bc
}

# duel RUNS NAME_A CMD_A NAME_B CMD_B: runs A and B alternately RUNS times (so that a slow spell of
# the machine hits both alike) and sets BEST_A and BEST_B to each one's best time in seconds.
# $DUEL_PREP, when set, runs before each timed run, untimed: removing the last run's output there
# (and syncing after it, which seconds does) keeps the deletion's cost — large on a filesystem
# mounted with `discard` — out of the next tool's time.
duel() {
  runs=$1; a=$3; b=$5
  BEST_A=""; BEST_B=""
  i=0
  while [ "$i" -lt "$runs" ]; do
    ${DUEL_PREP:-true}; ta=$(seconds "$a")
    ${DUEL_PREP:-true}; tb=$(seconds "$b")
    if [ -z "$BEST_A" ] || [ "$(echo "$ta < $BEST_A" | bc)" = 1 ]; then BEST_A=$ta; fi
    if [ -z "$BEST_B" ] || [ "$(echo "$tb < $BEST_B" | bc)" = 1 ]; then BEST_B=$tb; fi
    i=$((i + 1))
  done
}

# ratio A B: A / B with two decimals.
ratio() { printf '%.2f' "$(echo "scale=4; $1 / $2" | bc)"; }
