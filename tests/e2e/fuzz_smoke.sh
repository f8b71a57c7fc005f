#!/bin/bash
# A short run of every libFuzzer target (tests/fuzz/fuzz_*.c) over its seed
# corpus (tests/fuzz/corpus/NAME/), which also replays every input a fuzzer
# once broke (corpus/*/regress-*).
#
# Builds a separate clang tree with -DPP_FUZZ=ON -DPP_SANITIZE=ON in
# $PP_BUILD_DIR/fuzz (kept, so the next run only rebuilds what changed) or a
# temp dir, then runs each target for PP_FUZZ_SECONDS (default 6) seconds and
# at most PP_FUZZ_RUNS (default 2000000) inputs, two at a time.  New inputs
# go to a temp dir, never into the source tree.  Any crash, sanitizer report,
# leak, timeout or broken property fails the test and names the input.
# Needs clang and libFuzzer (Debian: clang libclang-rt-14-dev).
# The long runs are in docs/HARDENING.md.
set -u
. "$(dirname "$0")/lib/harness.sh"
h_init nobin:fuzz

SRC=${PP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SECONDS_EACH=${PP_FUZZ_SECONDS:-6}
RUNS=${PP_FUZZ_RUNS:-2000000}
T0=$SECONDS

CLANG=${PP_CLANG:-clang}
command -v "$CLANG" >/dev/null ||
    h_fail "clang is not installed: the fuzz targets need clang and libFuzzer (Debian: apt-get install clang libclang-rt-14-dev)"
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
    >"$H_DIR/probe.c"
"$CLANG" -fsanitize=fuzzer,address,undefined "$H_DIR/probe.c" -o "$H_DIR/probe" 2>"$H_DIR/probe.err" ||
    h_fail "clang cannot link libFuzzer ($(head -1 "$H_DIR/probe.err")): install libclang-rt-14-dev (Debian) or the clang runtime of your clang version"

B=${PP_BUILD_DIR:+$PP_BUILD_DIR/fuzz}
B=${B:-$H_DIR/build}
mkdir -p "$B"
h_log "building the fuzz targets in $B"
CC=$CLANG cmake -S "$SRC" -B "$B" -DPP_FUZZ=ON -DPP_SANITIZE=ON -DBUILD_TESTING=OFF \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-g -O1" >"$H_DIR/configure.log" 2>&1 ||
    { tail -20 "$H_DIR/configure.log" >&2; h_fail "cmake could not configure the fuzz build"; }
targets=()
for f in "$SRC"/tests/fuzz/fuzz_*.c; do
    targets+=("$(basename "$f" .c)")
done
[ ${#targets[@]} -gt 0 ] || h_fail "no tests/fuzz/fuzz_*.c"
cmake --build "$B" -j2 --target "${targets[@]}" >"$H_DIR/build.log" 2>&1 ||
    { grep -E 'error|Error' "$H_DIR/build.log" | head -20 >&2; h_fail "the fuzz targets do not build"; }
BUILD_S=$((SECONDS - T0))
h_log "built ${#targets[@]} targets in ${BUILD_S} s"

mkdir -p "$H_DIR/artifacts"
run_one() {   # target: runs it, writes $H_DIR/NAME.result
    local t=$1 name=${1#fuzz_} work=$H_DIR/work-${1#fuzz_} t1=$SECONDS rc execs
    mkdir -p "$work"
    [ -d "$SRC/tests/fuzz/corpus/$name" ] || { echo "FAIL no corpus" >"$H_DIR/$name.result"; return; }
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
        "$B/tests/fuzz/$t" "$work" "$SRC/tests/fuzz/corpus/$name" \
        -max_total_time="$SECONDS_EACH" -runs="$RUNS" -timeout=10 -rss_limit_mb=1536 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$H_DIR/artifacts/$name-" \
        >"$H_DIR/$name.log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$H_DIR/$name.log" | tail -1)
    if [ $rc = 0 ]; then
        echo "ok ${execs:-?} $((SECONDS - t1))" >"$H_DIR/$name.result"
    else
        echo "FAIL ${execs:-?} $((SECONDS - t1)) rc=$rc" >"$H_DIR/$name.result"
    fi
}

h_each2 run_one "${targets[@]}"

failed=0
printf '%-22s %-6s %12s %6s\n' target result executions secs
for t in "${targets[@]}"; do
    name=${t#fuzz_}
    read -r res execs secs rest <"$H_DIR/$name.result"
    printf '%-22s %-6s %12s %6s\n' "$t" "$res" "$execs" "$secs"
    if [ "$res" != ok ]; then
        failed=$((failed + 1))
        echo "---- $t ($rest) ----" >&2
        grep -E 'ERROR|property broken|runtime error|SUMMARY|Test unit written|#0 |#1 |#2 ' \
            "$H_DIR/$name.log" | head -15 >&2
        for a in "$H_DIR/artifacts/$name-"*; do
            [ -f "$a" ] || continue
            mkdir -p "${PP_BUILD_DIR:-$H_DIR}/fuzz-artifacts"
            cp "$a" "${PP_BUILD_DIR:-$H_DIR}/fuzz-artifacts/"
            echo "input kept as ${PP_BUILD_DIR:-$H_DIR}/fuzz-artifacts/$(basename "$a") (replay: $B/tests/fuzz/$t FILE)" >&2
        done
    fi
done
h_log "fuzz smoke: ${#targets[@]} targets, ${SECONDS_EACH} s each, $((SECONDS - T0)) s in all (build ${BUILD_S} s)"
[ $failed = 0 ] || h_fail "$failed fuzz target(s) broke (above)"
echo "PASS: ${#targets[@]} fuzz targets"
