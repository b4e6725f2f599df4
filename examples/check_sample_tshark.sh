#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tshark, given only the sample's key table, decrypts every SK payload of the
# sample capture and finds each integrity checksum correct.
#   check_sample_tshark.sh TSHARK SAMPLE.pcap SAMPLE.keys
# Exit 77 (skipped) without tshark.
set -euo pipefail
tshark=$1 pcap=$2 keys=$3
command -v "$tshark" >/dev/null || { echo "skipped: tshark not found"; exit 77; }
conf=$(mktemp -d)
trap 'rm -rf "$conf"' EXIT
cp "$keys" "$conf/ikev2_decryption_table"
out=$(WIRESHARK_CONFIG_DIR=$conf "$tshark" -r "$pcap" -V 2>&1)
correct=$(grep -c 'Integrity Checksum Data: .*\[correct\]' <<<"$out" || true)
if grep -qE '\[incorrect|Malformed|not validated' <<<"$out" || [[ $correct -ne 4 ]]; then
  echo "tshark verified $correct of 4 SK checksums in $pcap"
  grep -E 'Integrity Checksum|Malformed' <<<"$out" || true
  exit 1
fi
grep -q 'Type: CFG_SET (3)' <<<"$out" || { echo "tshark did not show the decrypted CFG_SET"; exit 1; }
echo "tshark verified 4 of 4 SK checksums and decrypted the CFG_SET"
