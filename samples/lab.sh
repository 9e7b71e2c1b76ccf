# Sourced by the sample scripts: reads a running lab's topology.json into shell variables.
# Usage: source "$(dirname "$0")/lab.sh" "${1:-./lab}"
lab="$1"
topology="$lab/topology.json"
[ -f "$topology" ] || { echo "No $topology: start 'cmgsim up --lab-dir $lab' first." >&2; exit 2; }

field() { python3 -c "import json,sys; d=json.load(open('$topology')); print(eval(sys.argv[1]))" "$1"; }
public_url=$(field "d['publicUrl']")
mp_path=$(field "[r for r in d['roles'] if r['kind']=='ManagementPoint'][0]['mutualAuthPath']")
mp_server_path=$(field "[r for r in d['roles'] if r['kind']=='ManagementPoint'][0]['serverAuthPath']")
mp_internal=$(field "[r for r in d['roles'] if r['kind']=='ManagementPoint'][0]['internalUrl']")
root=$(field "d['pki']['rootCaPem']")
client_cert() { field "d['pki']['clients'][$1]['certPem']"; }
client_key() { field "d['pki']['clients'][$1]['keyPem']"; }
