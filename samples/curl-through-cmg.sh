#!/usr/bin/env bash
# A PKI client's requests through the CMG of a running `cmgsim up`, with curl.
set -euo pipefail
lab="${1:-./lab}"
topology="$lab/topology.json"
[ -f "$topology" ] || { echo "No $topology: start 'cmgsim up --lab-dir $lab' first." >&2; exit 2; }

field() { python3 -c "import json,sys; d=json.load(open('$topology')); print(eval(sys.argv[1]))" "$1"; }
public_url=$(field "d['publicUrl']")
mp_path=$(field "[r for r in d['roles'] if r['kind']=='ManagementPoint'][0]['mutualAuthPath']")
mp_internal=$(field "[r for r in d['roles'] if r['kind']=='ManagementPoint'][0]['internalUrl']")
root=$(field "d['pki']['rootCaPem']")
cert=$(field "d['pki']['clients'][0]['certPem']")
key=$(field "d['pki']['clients'][0]['keyPem']")

show() { echo; echo "\$ $*"; "$@"; echo; }

echo "== MP list through the CMG (PKI client certificate)"
show curl -sS --cacert "$root" --cert "$cert" --key "$key" "$public_url$mp_path/SMS_MP/.sms_aut?MPLIST"

echo "== The same without a certificate: 403 CMGConnector_Clientcertificaterequired"
show curl -sS -i --http1.1 --cacert "$root" "$public_url$mp_path/SMS_MP/.sms_aut?MPLIST"

echo "== An endpoint id the site never published: 404"
show curl -sS -i --http1.1 --cacert "$root" --cert "$cert" --key "$key" "$public_url/CCM_Proxy_MutualAuth/72057594037999999/SMS_MP/.sms_aut?MPLIST"

echo "== Straight to the MP, as the connection point calls it"
show curl -sS --cacert "$root" --cert "$cert" --key "$key" "$mp_internal/SMS_MP/.sms_aut?MPLIST"
