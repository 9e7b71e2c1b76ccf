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
    # Each client polls for policy once a minute (real clients: once an hour) and the ramp adds about 14 clients
    # a second per instance: what is measured is the connection count, not the request rate the machine can serve.
    instances=${2:-1}; ramp=${RAMP:-180}; poll=${POLL:-60}
    build
    start_up --vm-size vmss-2103 --instances "$instances"
    $load vm-limit --profile vmss-2103 --instances "$instances" --topology "$lab" \
      --overshoot 1.3 --ramp-seconds $((ramp * instances)) --hold-seconds 10 --poll-seconds "$poll" \
      --out "$out/vm-limit-$instances-$stamp"
    ;;
  cmg-vs-mp)
    build
    start_up
    t="$lab/topology.json"
    field() { python3 -c "import json,sys; d=json.load(open('$t')); print(eval(sys.argv[1]))" "$1"; }
    mp_path=$(field "[r for r in d['roles'] if r['kind']=='ManagementPoint'][0]['mutualAuthPath']")
    mp_url=$(field "[r for r in d['roles'] if r['kind']=='ManagementPoint'][0]['internalUrl']")
    $load compare --target cmg="$(field "d['publicUrl']")$mp_path/SMS_MP/.sms_aut?MPLIST" --target mp="$mp_url/SMS_MP/.sms_aut?MPLIST" \
      --ca "$lab/pki/root-ca.pem" --cert "$lab/pki/clients/client-01.pem" --key "$lab/pki/clients/client-01.key.pem" \
      --connections 16 --duration 15s --warmup 5s --out "$out/cmg-vs-mp-$stamp"
    ;;
  engine-vs-h2load)
    command -v h2load > /dev/null || { echo "h2load missing: apt-get install nghttp2-client" >&2; exit 2; }
    build
    start_up
    mp_url=$(python3 -c "import json; d=json.load(open('$lab/topology.json')); print([r for r in d['roles'] if r['kind']=='ManagementPoint'][0]['internalUrl'])")
    target="$mp_url/SMS_MP/.sms_aut?MPLIST"
    # Same endpoint (the MP's own TLS listener), same 16 HTTP/2 connections, one stream each, same time.
    h2load -c 16 -m 1 -t 1 -D 3 "$target" > /dev/null 2>&1 || true
    h2load -c 16 -m 1 -t 1 -D 15 "$target" | tee "$out/h2load-$stamp.txt" | grep -E 'finished in|requests:|time for request'
    $load single --url "$target" --http2 --ca "$lab/pki/root-ca.pem" --connections 16 --duration 15s --warmup 3s --out "$out/engine-$stamp"
    ;;
  memory)
    build
    start_up
    pid=$(pgrep -f "cmgsim.dll up --lab-dir $lab" | head -n 1)
    rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
    # Managed heap after a full GC (dotnet-gcdump induces one), to split RSS into managed and native memory.
    export PATH="$PATH:$HOME/.dotnet/tools"
    command -v dotnet-gcdump > /dev/null || dotnet tool install -g dotnet-gcdump > /dev/null 2>&1 || true
    heap() {
      command -v dotnet-gcdump > /dev/null || { echo 0; return; }
      dotnet-gcdump collect -p "$pid" -o "$out/heap-$stamp.gcdump" > /dev/null 2>&1 || { echo 0; return; }
      dotnet-gcdump report "$out/heap-$stamp.gcdump" 2>/dev/null | awk '/GC Heap bytes/ {gsub(",", "", $1); print int($1 / 1024); exit}'
    }
    for n in ${2:-2000 10000}; do
      $load hold --topology "$lab" --connections 200 --hold-seconds 1 > /dev/null   # warm the paths first
      sleep 3
      heap_before=$(heap)
      before=$(rss)
      $load hold --topology "$lab" --connections "$n" --hold-seconds 40 > "$out/hold-$n-$stamp.log" 2>&1 &
      hold_pid=$!
      until grep -q holding "$out/hold-$n-$stamp.log" 2>/dev/null; do sleep 1; done
      sleep 5
      during=$(rss)
      heap_during=$(heap)
      wait $hold_pid
      echo "connections=$n server RSS before=${before} KB while holding=${during} KB per connection=$(( (during - before) / n )) KB;" \
        "managed heap after full GC before=${heap_before} KB while holding=${heap_during} KB per connection=$(( (heap_during - heap_before) / n )) KB" \
        "($(head -n 1 "$out/hold-$n-$stamp.log"))"
    done
    ;;
  *)
    sed -n '2,9p' "$0"
    exit 2
    ;;
esac
