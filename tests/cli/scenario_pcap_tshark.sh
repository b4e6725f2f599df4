#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A scenario run's capture and key table, as `ikeharness run` writes them,
# given to tshark: every SK payload must verify and decrypt, and the decrypted
# IKE_AUTH must show its identities (tshark's dissector is the judge, not ours).
#   scenario_pcap_tshark.sh IKEHARNESS TSHARK SCENARIO_FILE OUT_DIR
set -euo pipefail
ikeharness=$1 tshark=$2 scenario=$3 out=$4
command -v "$tshark" >/dev/null || { echo "SKIP: tshark not found"; exit 77; }
rm -rf "$out"
"$ikeharness" run "$scenario" --jobs 1 --out "$out" >/dev/null
id=rfc7296/1.2-initial-exchanges
conf=$(mktemp -d)
trap 'rm -rf "$conf"' EXIT
cp "$out/$id.keys" "$conf/ikev2_decryption_table"
text=$(WIRESHARK_CONFIG_DIR=$conf "$tshark" -r "$out/$id.pcap" -V 2>&1)
sk=$(grep -c 'Payload: Encrypted and Authenticated' <<<"$text" || true)
correct=$(grep -c 'Integrity Checksum Data: .*\[correct\]' <<<"$text" || true)
if [[ $sk -ne 2 || $correct -ne 2 ]] || grep -qE '\[incorrect|Malformed' <<<"$text"; then
  echo "tshark: $sk SK payloads, $correct verified, in $out/$id.pcap"
  grep -E 'Integrity Checksum|Malformed' <<<"$text" || true
  exit 1
fi
for p in 'Identification - Initiator' 'Identification - Responder' 'Traffic Selector - Initiator'; do
  grep -q "Payload: $p" <<<"$text" || { echo "tshark did not show the decrypted $p payload"; exit 1; }
done
echo "tshark verified and decrypted both IKE_AUTH messages of $id"
