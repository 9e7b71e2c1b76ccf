#!/usr/bin/env bash
# Trainer's lab: a revoked client certificate. Revokes client-02 in the lab CRL (with openssl, as a CA
# admin would), then shows the CMG's answer and the reason it logs. Run against a `cmgsim up` lab.
set -euo pipefail
source "$(dirname "$0")/lab.sh" "${1:-./lab}"
cert=$(client_cert 1)
key=$(client_key 1)
pki="$lab/pki"
url="$public_url$mp_path/SMS_MP/.sms_aut?MPLIST"

echo "Before: $(curl -s -o /dev/null -w '%{http_code}' --cacert "$root" --cert "$cert" --key "$key" "$url")"

# Re-sign the issuing CA's CRL with client-02's serial added (openssl's 'ca' needs an index database).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
serial=$(openssl x509 -in "$cert" -noout -serial | cut -d= -f2)
openssl crl -in "$pki/issuing-ca.crl" -inform DER -noout -text \
  | awk '/Serial Number:/ {print $3}' | while read -r s; do printf 'R\t300101000000Z\t260101000000Z\t%s\tunknown\t/CN=revoked\n' "$s"; done > "$work/index.txt"
printf 'R\t300101000000Z\t%s\t%s\tunknown\t/CN=client-02\n' "$(date -u +%y%m%d%H%M%SZ)" "$serial" >> "$work/index.txt"
echo 1000 > "$work/crlnumber"
cat > "$work/ca.cnf" <<CNF
[ ca ]
default_ca = lab
[ lab ]
database = $work/index.txt
crlnumber = $work/crlnumber
default_md = sha256
default_crl_days = 7
CNF
openssl ca -config "$work/ca.cnf" -gencrl -cert "$pki/issuing-ca.pem" -keyfile "$pki/issuing-ca.key.pem" -out "$work/crl.pem" 2>/dev/null
openssl crl -in "$work/crl.pem" -outform DER -out "$work/crl.der"
cp "$work/crl.pem" "$pki/issuing-ca.crl.pem"
mv "$work/crl.der" "$pki/issuing-ca.crl"

echo "After:  $(curl -s -o /dev/null -w '%{http_code}' --cacert "$root" --cert "$cert" --key "$key" "$url")"
echo "CMGService.log says:"
grep -a 'Revoked' "$lab/logs/CMGService.log" | tail -n 1 | sed -E 's/<!\[LOG\[(.*)\]LOG\]!>.*/  \1/'
