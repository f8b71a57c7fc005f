# harness.sh: shared helpers for the hardening e2e tests (fault_*.sh,
# fuzz_smoke.sh, static_checks.sh).  Source it, then call h_init.
#
#   h_init NAME           temp dir $H_DIR, XDG_STATE_HOME / XDG_CONFIG_HOME
#                         inside it (nothing touches the real home), EXIT trap
#                         that stops every pid given to h_track and removes
#                         the dir; checks $POOLPILOT unless NAME starts with
#                         "nobin:" (static checks, fuzzing)
#   h_fail MSG            prints FAIL and exits 1
#   h_skip MSG            prints SKIP and exits 77 (a precondition this machine
#                         lacks, such as root): ctest reports Skipped, not
#                         Passed (SKIP_RETURN_CODE).  A tool bootstrap.sh
#                         installs is never a skip: h_fail.
#   h_log MSG             a progress line on stderr (ctest keeps it)
#   h_track PID           kill -9 PID at exit if it still runs
#   h_wait SECS CMD...    polls CMD every 0.1 s until it succeeds; 1 on deadline
#   h_wait_exit PID SECS  waits for a child of this shell to end and sets
#                         H_RC to its exit code; returns 1 (still running) at
#                         the deadline.  Not in $(...): a subshell cannot
#                         wait for its parent's children.
#   h_lines FILE          number of complete lines in FILE (0 if absent)
#   h_shim                builds tests/e2e/lib/faultshim.c into $H_SHIM and
#                         sets ASAN_OPTIONS so an ASan binary accepts it
#   h_pp ARGS...          runs $POOLPILOT with ARGS (stdin /dev/null unless
#                         redirected by the caller)
#   h_jsonl_valid FILE    every line is exactly one JSON object; prints why not
#   h_journal_check FILE [SERVERS...]
#                         the journal invariants (jq): seq strictly increasing,
#                         every record has ts operator event, no step or domain
#                         that ended ok started again, no step ended that was
#                         not running (so none is reported lost that was never
#                         journaled as started), every step-start ended
#                         or was later reported lost, every lost step probed
#                         and confirmed (state rerun), or overridden (retry),
#                         before it ran again;
#                         with SERVERS: each ends verified and the run complete
#
# Deadlines, never a fixed sleep alone: the machine is slow and shared.  No
# assertion depends on how long something took.

H_DIR=
H_PIDS=()
H_SHIM=
H_RC=

h_log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
h_fail() { echo "FAIL: $*" >&2; exit 1; }
h_skip() { echo "SKIP: $*"; exit 77; }

h_cleanup() {
    local p
    for p in "${H_PIDS[@]}"; do
        kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null
    done
    if [ -n "$H_DIR" ] && [ -z "${PP_KEEP_TMP:-}" ]; then
        # a tmpfs a test mounted there must go first
        if mountpoint -q "$H_DIR/mnt" 2>/dev/null; then
            umount -l "$H_DIR/mnt" 2>/dev/null
        fi
        rm -rf "$H_DIR"
    elif [ -n "$H_DIR" ]; then
        echo "kept $H_DIR" >&2
    fi
}

h_init() {
    local name=$1
    if [ "${name#nobin:}" = "$name" ]; then
        : "${POOLPILOT:?POOLPILOT must name the poolpilot binary}"
        [ -x "$POOLPILOT" ] || h_fail "not executable: $POOLPILOT"
    fi
    name=${name#nobin:}
    command -v jq >/dev/null || h_fail "jq is not installed"
    # PP_MATRIX_TMPDIR (tests/CMakeLists.txt: /dev/shm for the kill -9 and
    # disk matrices): the temp dir, and so the journals, on a tmpfs, where
    # the console's fsync per record costs no disk wait.  Those tests kill
    # the console or fail its writes through the fault shim; none depends on
    # the disk (a kill -9 does not lose the page cache).  Only a writable
    # directory on a mount that allows exec (the shim is LD_PRELOADed from
    # here) is used; otherwise TMPDIR.
    local base=${TMPDIR:-/tmp} m=${PP_MATRIX_TMPDIR:-}
    if [ -n "$m" ] && [ -d "$m" ] && [ -w "$m" ] &&
        ! findmnt -no OPTIONS --target "$m" 2>/dev/null | grep -qw noexec; then
        base=$m
    fi
    H_DIR=$(mktemp -d "$base/pp-$name.XXXXXX") || exit 1
    trap h_cleanup EXIT
    export XDG_STATE_HOME=$H_DIR/state XDG_CONFIG_HOME=$H_DIR/config
    export LANG=C.UTF-8 TZ=UTC
    unset POOLPILOT_CONFIG
    mkdir -p "$XDG_STATE_HOME" "$XDG_CONFIG_HOME"
}

h_track() { H_PIDS+=("$1"); }

# h_each2 FUNC ARG...: runs FUNC ARG in the background for every ARG, two
# at a time (CI has two cores), tracked for cleanup; returns when all ended.
h_each2() {
    local fn=$1 a pids=()
    shift
    for a in "$@"; do
        "$fn" "$a" &
        pids+=($!)
        h_track $!
        if [ ${#pids[@]} -ge 2 ]; then
            wait "${pids[0]}"
            pids=("${pids[@]:1}")
        fi
    done
    wait
}

h_wait() {
    local secs=$1 end
    shift
    end=$((SECONDS + secs))
    while ! "$@"; do
        [ $SECONDS -ge $end ] && return 1
        sleep 0.1
    done
    return 0
}

h_wait_exit() {
    local pid=$1 secs=$2 end
    end=$((SECONDS + secs))
    while kill -0 "$pid" 2>/dev/null; do
        [ $SECONDS -ge $end ] && return 1
        sleep 0.1
    done
    wait "$pid" 2>/dev/null
    H_RC=$?
    return 0
}

h_lines() {
    if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi
}

h_pp() { "$POOLPILOT" "$@"; }

h_shim() {
    local cc=${CC:-cc}
    command -v "$cc" >/dev/null || cc=gcc
    H_SHIM=$H_DIR/faultshim.so
    "$cc" -shared -fPIC -O1 -Wall -Wextra -o "$H_SHIM" \
        "$(dirname "${BASH_SOURCE[0]}")/faultshim.c" -ldl ||
        h_fail "cannot build the fault shim"
    # An ASan binary insists its runtime comes first; the shim only forwards
    # write/fsync and allocates nothing, so the order does not matter.
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
}

h_jsonl_valid() {
    local f=$1
    [ -f "$f" ] || { echo "$f: missing"; return 1; }
    if [ -s "$f" ] && [ "$(tail -c1 "$f" | od -An -c | tr -d ' ')" != '\n' ]; then
        echo "$f: the last line has no newline (torn)"
        return 1
    fi
    # each line alone: fromjson rejects a line that holds two values or half of one
    jq -R -r 'try (fromjson | if type == "object" then empty
                               else "line \(input_line_number): not an object" end)
              catch "line \(input_line_number): not JSON: \(.)"' "$f" 2>&1 | head -5 |
        grep . && return 1
    return 0
}

# The invariants every journal must keep, however the console was stopped.
# Prints one line per violation; returns 1 if there was any.
h_journal_check() {
    local f=$1
    shift
    local servers
    servers='[]'
    if [ $# -gt 0 ]; then
        servers=$(printf '"%s",' "$@")   # DNS names: nothing to escape
        servers="[${servers%,}]"
    fi
    h_jsonl_valid "$f" || return 1
    jq -r -s --argjson servers "$servers" '
      def key: "\(.server)/\(.step)";
      . as $r
      | [
          # seq 1, 2, 3... strictly increasing (gaps allowed by the contract)
          (range(1; $r|length) | select($r[.].seq <= $r[. - 1].seq)
           | "seq \($r[.].seq) after \($r[. - 1].seq)"),
          (if ($r|length) > 0 and $r[0].seq < 1 then "first seq \($r[0].seq)" else empty end),
          # every record says when, who and what
          ($r[] | select((.ts // "") == "" or (.operator // "") == "" or (.event // "") == "")
           | "seq \(.seq): missing ts, operator or event"),
          # walk the records keeping, per server/step: done (ended ok), running
          # (started, no end yet), lost (ended lost, not yet re-run)
          (reduce $r[] as $x ({done: {}, run: {}, lost: {}, probed: {}, ok: {},
                                 ddone: {}, errs: []};
             if $x.event == "step-start" then
               ($x | key) as $k
               | (if .done[$k] then .errs += ["seq \($x.seq): \($k) started again after it ended ok"] else . end)
               | (if .run[$k] then .errs += ["seq \($x.seq): \($k) started while already running"] else . end)
               | (if .lost[$k] and ((.probed[$k] // 0) < 2)
                  then .errs += ["seq \($x.seq): lost step \($k) re-run without a probe and a rerun confirm"]
                  else . end)
               | .run[$k] = true | .lost[$k] = false | .probed[$k] = 0
             elif $x.event == "step-end" then
               ($x | key) as $k
               | (if .run[$k] then . else .errs += ["seq \($x.seq): \($k) ended (\($x.result)) but was not running"] end)
               | .run[$k] = false
               | (if $x.result == "ok" then .done[$k] = true
                  elif $x.result == "lost" then .lost[$k] = true | .probed[$k] = 0
                  else . end)
             elif $x.event == "probe" and $x.server != null then
               ($x | key) as $k
               | if .lost[$k] then .probed[$k] = 1 else . end
             elif $x.event == "confirm" and $x.state == "rerun" then
               ($x | key) as $k
               | if (.probed[$k] // 0) == 1 then .probed[$k] = 2
                 elif .lost[$k] then .errs += ["seq \($x.seq): rerun of \($k) confirmed before any probe"]
                 else . end
             elif $x.event == "override" and ($x.action == "retry" or $x.action == "force")
                  and $x.server != null then
               # an operator typed the name back with a reason: that, too,
               # may send a lost step round again
               ($x | key) as $k | .probed[$k] = 2
             elif $x.event == "domain-start" then
               (if .ddone[$x.domain] then .errs += ["seq \($x.seq): domain \($x.domain) started again after domain-done"] else . end)
             elif $x.event == "domain-done" then .ddone[$x.domain] = true
             else . end)
           | .errs[],
             (if ($servers|length) > 0
              then (.run | to_entries[] | select(.value) | "\(.key) started and never ended")
              else empty end)),
          # with a server list: each one verified, and the run complete
          ($servers[] as $s
           | select([$r[] | select(.event == "step-end" and .server == $s and .step == "verify"
                                    and .result == "ok")] | length == 0)
           | "\($s) never verified"),
          (if ($servers|length) > 0 and ([$r[] | select(.event == "complete")] | length) == 0
           then "no complete record" else empty end)
        ]
      | .[]' "$f" | head -20 | grep . && return 1
    return 0
}
