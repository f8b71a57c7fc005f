#!/usr/bin/env bash
# Mutation check: applies each one-line mutation of tests/mutations/mutations.txt
# to a copy of the tree, rebuilds the targets it names, runs the tests that
# must catch it, and fails if any mutation survives (its tests still pass).
#
#   tests/mutations/run.sh                 the fast ones (what CI runs)
#   PP_MUTATIONS=all tests/mutations/run.sh       every one (a few minutes)
#   PP_MUTATIONS=id,id tests/mutations/run.sh     those
#
# PP_MUTATIONS_DIR=DIR keeps the copy and its build in DIR (src/, build/) and
# reuses them next time: only what changed is rebuilt.  Without it a
# temporary directory is used and removed.  The build is Debug without
# sanitizers, and only the targets the chosen mutations name are built.
# Before any mutation the chosen tests run on the unmutated copy: they must
# pass, or nothing the mutations show would mean anything.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
list=${PP_MUTATIONS_LIST:-$here/mutations.txt}
sel=${PP_MUTATIONS:-fast}
jobs=${PP_MUTATIONS_JOBS:-$(nproc 2>/dev/null || echo 2)}
t0=$SECONDS

die() { echo "mutations: $*" >&2; exit 2; }
command -v python3 >/dev/null || die "python3 is needed (bootstrap.sh installs it)"
[ -f "$list" ] || die "no list $list"

if [ -n "${PP_MUTATIONS_DIR:-}" ]; then
    work=$PP_MUTATIONS_DIR
    mkdir -p "$work"
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/pp-mutations.XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi
copy=$work/src
build=$work/build
log=$work/log
mkdir -p "$copy" "$log"

# ---- the list ---------------------------------------------------------------
# Parsed into parallel arrays; continuation lines (indented) extend `why`.
ids=() files=() froms=() nths=() tos=() builds=() testss=() fasts=()
flush() {
    [ -n "${m_id:-}" ] || return 0
    if [ -z "${m_file:-}" ] || [ -z "${m_from:-}" ] || [ -z "${m_to+x}" ] ||
        [ -z "${m_build:-}" ] || [ -z "${m_tests:-}" ]; then
        die "$list: mutation $m_id lacks file, from, to, build or tests"
    fi
    ids+=("$m_id") files+=("$m_file") froms+=("$m_from") nths+=("${m_nth:-0}")
    tos+=("$m_to") builds+=("$m_build") testss+=("$m_tests") fasts+=("${m_fast:-no}")
    m_id='' m_file='' m_from='' m_nth='' m_build='' m_tests='' m_fast=''
    unset m_to
}
while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
    '#'*) continue ;;
    '') flush; continue ;;
    [[:space:]]*) continue ;;   # more of `why`
    esac
    key=${line%%:*}
    val=${line#*:}
    val=${val# }
    case "$key" in
    id) flush; m_id=$val ;;
    file) m_file=$val ;;
    from) m_from=$val ;;
    nth) m_nth=$val ;;
    to) m_to=$val ;;
    build) m_build=$val ;;
    tests) m_tests=$val ;;
    fast) m_fast=$val ;;
    why) ;;
    *) die "$list: unknown key '$key'" ;;
    esac
done < "$list"
flush

chosen=()
for i in "${!ids[@]}"; do
    case "$sel" in
    all) chosen+=("$i") ;;
    fast) [ "${fasts[$i]}" = yes ] && chosen+=("$i") ;;
    *) [[ ",$sel," == *",${ids[$i]},"* ]] && chosen+=("$i") ;;
    esac
done
[ ${#chosen[@]} -gt 0 ] || die "no mutation matches PP_MUTATIONS=$sel"
if [ "$sel" != all ] && [ "$sel" != fast ]; then
    for want in ${sel//,/ }; do
        found=
        for i in "${chosen[@]}"; do [ "${ids[$i]}" = "$want" ] && found=1; done
        [ -n "$found" ] || die "no mutation '$want' in $list"
    done
fi

# ---- the copy and its build ---------------------------------------------
# The tree as it is now (committed or not), build directories left out.
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$src" && git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do
            case "$f" in build*/*) continue ;; esac
            [ -f "$f" ] && printf '%s\0' "$f"
        done | tar --null -T - -cf -) | tar -C "$copy" -xf -
else
    (cd "$src" && tar --exclude='./build*' -cf - .) | tar -C "$copy" -xf -
fi
# Tests find ../shared beside the source tree.
[ -e "$work/shared" ] || [ ! -d "$src/../shared" ] || ln -s "$src/../shared" "$work/shared"

# A file mutated in an earlier run was restored to its text with an old
# mtime: touch every file on the list so no stale mutated object survives.
for i in "${!ids[@]}"; do
    [ -f "$copy/${files[$i]}" ] && touch "$copy/${files[$i]}"
done

if [ ! -f "$build/CMakeCache.txt" ]; then
    gen=()   # Ninja when there is one: a no-op make over this tree takes seconds
    command -v ninja >/dev/null && gen=(-G Ninja)
    cmake -S "$copy" -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Debug -DPP_SANITIZE=OFF \
        -DPP_WERROR=OFF >"$log/configure.txt" 2>&1 ||
        { cat "$log/configure.txt" >&2; die "configure failed"; }
fi

targets=() regexes=()
for i in "${chosen[@]}"; do
    for t in ${builds[$i]}; do
        [[ " ${targets[*]} " == *" $t "* ]] || targets+=("$t")
    done
    regexes+=("${testss[$i]}")
done
all_re=$(IFS='|'; echo "${regexes[*]}")

run_tests() { # regex logfile -> 0 all passed, 1 some failed, 2 skipped / none ran
    local rc=0
    ctest --test-dir "$build" -R "$1" --no-tests=error --timeout 600 \
        --output-on-failure >"$2" 2>&1 || rc=$?
    if [ $rc -ne 0 ] && grep -q 'The following tests FAILED' "$2"; then
        return 1
    fi
    if [ $rc -ne 0 ] || grep -q 'The following tests did not run' "$2"; then
        return 2
    fi
    return 0
}

cmake --build "$build" -j"$jobs" --target "${targets[@]}" >"$log/build-base.txt" 2>&1 ||
    { tail -30 "$log/build-base.txt" >&2; die "the unmutated copy does not build"; }
run_tests "$all_re" "$log/base.txt" ||
    { cat "$log/base.txt" >&2; die "the tests fail (or skip) without any mutation"; }
echo "mutations: unmutated copy built and its tests pass ($((SECONDS - t0)) s)"

# ---- each mutation -------------------------------------------------------
killed=0 survived=0 broken=0
failed_ids=()
for i in "${chosen[@]}"; do
    id=${ids[$i]} f=$copy/${files[$i]}
    t1=$SECONDS
    [ -f "$f" ] || die "$id: no file ${files[$i]}"
    cp "$f" "$work/original"
    if ! FROM=${froms[$i]} TO=${tos[$i]} NTH=${nths[$i]} python3 - "$f" <<'PY'
import os, sys
path = sys.argv[1]
frm, to, nth = os.environ["FROM"], os.environ["TO"], int(os.environ["NTH"])
lines = open(path, encoding="utf-8").read().split("\n")
hits = [k for k, l in enumerate(lines) if l.strip() == frm.strip()]
if not hits or (nth == 0 and len(hits) > 1) or nth > len(hits):
    sys.exit("%s: '%s' occurs %d times%s" % (path, frm, len(hits),
             "" if nth == 0 else ", wanted occurrence %d" % nth))
k = hits[nth - 1 if nth else 0]
indent = lines[k][: len(lines[k]) - len(lines[k].lstrip())]
lines[k] = indent + to
open(path, "w", encoding="utf-8").write("\n".join(lines))
PY
    then
        echo "BROKEN   $id: the line to mutate is not in ${files[$i]} (the list needs updating)"
        broken=$((broken + 1)) failed_ids+=("$id")
        continue
    fi
    verdict=
    read -r -a mtargets <<<"${builds[$i]}"
    if ! cmake --build "$build" -j"$jobs" --target "${mtargets[@]}" >"$log/$id.build.txt" 2>&1; then
        verdict="BROKEN   $id: the mutated tree does not build (see $log/$id.build.txt)"
        broken=$((broken + 1)) failed_ids+=("$id")
    else
        rc=0
        run_tests "${testss[$i]}" "$log/$id.txt" || rc=$?
        case $rc in
        1) verdict="killed   $id" killed=$((killed + 1)) ;;
        0) verdict="SURVIVED $id: ${testss[$i]} passes with ${files[$i]}: ${tos[$i]}"
           survived=$((survived + 1)) failed_ids+=("$id") ;;
        *) verdict="BROKEN   $id: ${testss[$i]} skipped or did not run (see $log/$id.txt)"
           broken=$((broken + 1)) failed_ids+=("$id") ;;
        esac
    fi
    cp "$work/original" "$f" # a fresh mtime: the next build recompiles it
    echo "$verdict ($((SECONDS - t1)) s)"
done

total=${#chosen[@]}
echo "mutations: $killed of $total killed, $survived survived, $broken broken," \
     "in $((SECONDS - t0)) s (PP_MUTATIONS=$sel)"
if [ ${#failed_ids[@]} -gt 0 ]; then
    echo "mutations: not killed: ${failed_ids[*]}" >&2
    exit 1
fi
