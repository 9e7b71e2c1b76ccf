#!/usr/bin/env bash
# CmgSim benchmarks (not tests: timings on a shared machine are noisy; the figures that matter are ratios
# measured side by side in one run). Results and the exact commands go to docs/benchmarks.md.
#   benchmarks/run.sh vm-limit [instances]   (a) knee per VM instance on vmss-2103 (2,000 per VM)
#   benchmarks/run.sh cmg-vs-mp              (b) requests/s and p99 through the CMG vs directly to the MP
#   benchmarks/run.sh engine-vs-h2load       (c) our engine vs h2load against one plain-TLS endpoint
#   benchmarks/run.sh memory [connections]   (d) server memory per held client connection
# Everything runs on loopback and stops by itself. Output: benchmarks/out/<name>-<time>/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/benchmarks/out"
mkdir -p "$out"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
config=Release
cmgsim="dotnet $root/src/CmgSim.Cli/bin/$config/net10.0/cmgsim.dll"
load="dotnet $root/loadtests/CmgSim.LoadTests/bin/$config/net10.0/CmgSim.LoadTests.dll"

build() {
  dotnet build "$root/src/CmgSim.Cli" -c $config -v q -nologo > /dev/null
  dotnet build "$root/loadtests/CmgSim.LoadTests" -c $config -v q -nologo > /dev/null
}

# Starts `cmgsim up` in the background with the given options; sets lab and up_pid; waits for ready.
start_up() {
  lab="$out/lab-$stamp"
  $cmgsim up --lab-dir "$lab" --public-port 0 --channel-port-base 0 --entra-port 0 "$@" > "$lab.up.log" 2>&1 &
  up_pid=$!
  trap 'kill -TERM $up_pid 2>/dev/null || true; wait $up_pid 2>/dev/null || true' EXIT
  for _ in $(seq 1 120); do
    grep -q 'CmgSim ready' "$lab.up.log" 2>/dev/null && return 0
    sleep 1
  done
  echo "cmgsim up did not become ready; see $lab.up.log" >&2
  exit 1
}

case "${1:-}" in
  vm-limit)
    instances=${2:-1}
    build
    start_up --vm-size vmss-2103 --instances "$instances"
    $load vm-limit --profile vmss-2103 --instances "$instances" --topology "$lab" \
      --overshoot 1.3 --ramp-seconds $((90 * instances)) --hold-seconds 10 --poll-seconds 10 \
      --out "$out/vm-limit-$instances-$stamp"
    ;;
  *)
    sed -n '2,9p' "$0"
    exit 2
    ;;
esac
