#!/usr/bin/env bash
# Trainer's lab: a bulk registration token, used, then blocked in the console (here: 'cmgsim token block').
# Shows the CMG's answer before and after the block and the reason the CMG and the MP log.
# Run against a `cmgsim up` lab; CMGSIM defaults to the built CLI.
set -euo pipefail
source "$(dirname "$0")/lab.sh" "${1:-./lab}"
cmgsim=${CMGSIM:-"dotnet $(dirname "$0")/../src/CmgSim.Cli/bin/Debug/net10.0/cmgsim.dll"}

out=$($cmgsim token new --lab-dir "$lab" --lifetime 60)
guid=$(echo "$out" | awk '/Token GUID:/ {print $3}')
token=$(echo "$out" | tail -n 1)
echo "Created bulk registration token $guid (valid 60 minutes)."

sts="$public_url$mp_server_path/CCM_STS"
echo "CCM_STS with it:        $(curl -s -o /dev/null -w '%{http_code}' --cacert "$root" -X POST -H "Authorization: Bearer $token" "$sts")"

$cmgsim token block --lab-dir "$lab" "$guid"
sleep 2   # the CMG re-reads the block list at most once a second
echo "CCM_STS after block:    $(curl -s -o /dev/null -w '%{http_code} %header{x-cmgsim-error}' --cacert "$root" -X POST -H "Authorization: Bearer $token" "$sts")"
echo "CMGService.log says:"
grep -a 'Blocked' "$lab/logs/CMGService.log" | tail -n 1 | sed -E 's/<!\[LOG\[(.*)\]LOG\]!>.*/  \1/'
$cmgsim token unblock --lab-dir "$lab" "$guid" > /dev/null
