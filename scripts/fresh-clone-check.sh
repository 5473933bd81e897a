#!/usr/bin/env bash
# The README's first command from a fresh clone: clones this repository's
# HEAD into an empty temporary directory (so no build products, no state and
# no ../shared/ beside it), runs `make run` there in the mode that exits once
# every example is Ready, and fails if it does not. `make test`, the README's
# second command, is what CI itself runs from its own clean clone.
set -euo pipefail
cd "$(dirname "$0")/.."

parent="$(mktemp -d)"
trap 'rm -rf "$parent"' EXIT
git clone --quiet --no-local "$PWD" "$parent/openshell-operator"
cd "$parent/openshell-operator"
[ ! -e ../shared ] || { echo "error: $parent/shared exists; the check needs a clone without ../shared/" >&2; exit 1; }
echo "fresh clone of $(git rev-parse --short HEAD) in $PWD"
make run RUN_ARGS="--exit-when-ready --port 0 --operator-metrics-port 0 --operator-probe-port 0"
echo "fresh clone: \`make run\` brought every example to Ready"
