#!/bin/bash
# The mutation check's fast part (tests/mutations/run.sh, docs/HARDENING.md):
# the one-line mutations marked "fast" in tests/mutations/mutations.txt are
# each applied to a copy of the tree, rebuilt (Debug, no sanitizers, only
# the targets they name, in one build directory reused from mutation to
# mutation), and their tests run; any mutation that survives fails this
# test.  The copy and its build stay in $PP_BUILD_DIR/mutations, so a
# second run only rebuilds what changed.  All of them:
#   PP_MUTATIONS=all tests/mutations/run.sh
set -u
: "${PP_SOURCE_DIR:?}" "${PP_BUILD_DIR:?}"
command -v python3 >/dev/null || { echo "FAIL: python3 is missing (bootstrap.sh installs it)"; exit 1; }
PP_MUTATIONS=${PP_MUTATIONS:-fast} PP_MUTATIONS_DIR=$PP_BUILD_DIR/mutations \
    exec bash "$PP_SOURCE_DIR/tests/mutations/run.sh"
