#!/usr/bin/env bash
# poolpilot's one entry point on a fresh Debian 12 machine (root, or a user
# with sudo):
#   ./bootstrap.sh run [poolpilot options]   install what is missing, build,
#                                            start the console on the training pool
#   ./bootstrap.sh test                      the same set-up, then every test
#                                            (sanitizers on, warnings as errors)
set -euo pipefail
cd "$(dirname "$0")"

# gettext: msgfmt for the zh_TW catalogue; locales: localedef for the zh_TW
# screen test; clang + libclang-rt-14-dev: the libFuzzer smoke run and the
# static analyzer; cppcheck: static checks; valgrind: the memcheck run;
# python3: test helpers; man-db: the man page render check (docs_sync);
# ninja-build: the mutation check's incremental rebuilds (tests/mutations).
# libssl-dev: libcrypto's SHA-256 for staging (libssh already links libcrypto).
# A test that needs one of these fails without it: it never skips.
PKGS=(build-essential cmake pkg-config libncurses-dev libssh-dev libssl-dev libinih-dev
      libcmocka-dev openssh-server openssh-client tmux jq gettext locales
      clang libclang-rt-14-dev cppcheck valgrind python3 man-db ninja-build)

install_missing() {
    local missing=() p
    for p in "${PKGS[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "bootstrap: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

jobs=$(nproc 2>/dev/null || echo 2)
case "${1:-}" in
run)
    shift
    install_missing
    # the console only: the tests are the test command's (build-test/)
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
    cmake --build build -j"$jobs"
    [ $# -eq 0 ] && set -- --training
    exec ./build/poolpilot "$@"
    ;;
test)
    install_missing
    cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DPP_SANITIZE=ON -DPP_WERROR=ON >/dev/null
    cmake --build build-test -j"$jobs"
    # leaks are errors too; the sanitizers abort on the first report
    export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    exec ctest --test-dir build-test --output-on-failure -j"$jobs" --timeout 600
    ;;
*)
    echo "usage: ./bootstrap.sh run [poolpilot options] | ./bootstrap.sh test" >&2
    exit 2
    ;;
esac
