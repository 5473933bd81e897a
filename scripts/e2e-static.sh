#!/usr/bin/env bash
# End-to-end run of the release binary that `make static` builds (the binary
# the Containerfile ships): the local cluster with the CRDs and examples/, and
# the operator binary as its own process against the cluster's kubeconfig —
# as it runs in a pod. Succeeds once every example sandbox is Ready and every
# gateway Available; on failure prints both logs.
set -euo pipefail
cd "$(dirname "$0")/.."

operator="${OPERATOR_BINARY:-.build/release/openshell-operator}"
[ -x "$operator" ] || { echo "error: $operator is missing: run \`make static\` first" >&2; exit 1; }
swift build --product local-cluster ${SWIFT_BUILD_FLAGS:-}
cluster="$(swift build --show-bin-path ${SWIFT_BUILD_FLAGS:-})/local-cluster"

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
show_logs() {
  echo "---- local-cluster log"; tail -n 60 "$work/cluster.log" || true
  echo "---- operator log"; tail -n 60 "$work/operator.log" || true
}

echo "e2e: $("$operator" --version | head -n 1)"
"$cluster" --state-dir "$work/cluster" --port 0 --crds crds --examples examples --exit-when-ready --ready-timeout 300 \
  >"$work/cluster.log" 2>&1 &
cluster_pid=$!
pids+=("$cluster_pid")

for _ in $(seq 1 300); do
  [ -s "$work/cluster/kubeconfig" ] && break
  kill -0 "$cluster_pid" 2>/dev/null || { echo "error: the local cluster exited before it was ready" >&2; show_logs; exit 1; }
  sleep 0.2
done
[ -s "$work/cluster/kubeconfig" ] || { echo "error: the local cluster wrote no kubeconfig" >&2; show_logs; exit 1; }

"$operator" run --kubeconfig "$work/cluster/kubeconfig" --database "$work/queue.db" \
  --metrics-bind-address 127.0.0.1:0 --health-probe-bind-address 0 --leader-election-namespace default --log-format logfmt \
  >"$work/operator.log" 2>&1 &
pids+=("$!")

if wait "$cluster_pid"; then
  echo "e2e: every example sandbox is Ready and every gateway Available with the release binary"
else
  echo "error: the examples did not become Ready with $operator" >&2
  show_logs
  exit 1
fi
