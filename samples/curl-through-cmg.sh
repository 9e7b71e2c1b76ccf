#!/usr/bin/env bash
# A PKI client's requests through the CMG of a running `cmgsim up`, with curl.
set -euo pipefail
source "$(dirname "$0")/lab.sh" "${1:-./lab}"
cert=$(client_cert 0)
key=$(client_key 0)

show() { echo; echo "\$ $*"; "$@"; echo; }

echo "== MP list through the CMG (PKI client certificate)"
show curl -sS --cacert "$root" --cert "$cert" --key "$key" "$public_url$mp_path/SMS_MP/.sms_aut?MPLIST"

echo "== The same without a certificate: 403 CMGConnector_Clientcertificaterequired"
show curl -sS -i --http1.1 --cacert "$root" "$public_url$mp_path/SMS_MP/.sms_aut?MPLIST"

echo "== An endpoint id the site never published: 404"
show curl -sS -i --http1.1 --cacert "$root" --cert "$cert" --key "$key" "$public_url/CCM_Proxy_MutualAuth/72057594037999999/SMS_MP/.sms_aut?MPLIST"

echo "== Straight to the MP, as the connection point calls it"
show curl -sS --cacert "$root" --cert "$cert" --key "$key" "$mp_internal/SMS_MP/.sms_aut?MPLIST"
