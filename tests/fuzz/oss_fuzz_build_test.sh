#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs fuzz/oss-fuzz/build.sh with the variables OSS-Fuzz would set, then
# checks that every target, seed corpus and dictionary landed in $OUT and that
# one target runs a few executions over its seeds.
#   oss_fuzz_build_test.sh SOURCE_DIR SCRATCH_DIR
set -euo pipefail
src=$1
scratch=$2

if ! command -v clang++ >/dev/null || ! command -v clang >/dev/null; then
  echo "SKIP: clang/clang++ not found (OSS-Fuzz builds use clang with libFuzzer)"
  exit 77
fi
if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' |
     clang++ -x c++ -fsanitize=fuzzer - -o /dev/null 2>/dev/null; then
  echo "SKIP: clang++ cannot link -fsanitize=fuzzer (libFuzzer runtime missing)"
  exit 77
fi
command -v zip >/dev/null || { echo "SKIP: zip not found (build.sh packs the seed corpora)"; exit 77; }

rm -rf "$scratch"
mkdir -p "$scratch/out" "$scratch/work"
export CC=clang CXX=clang++
export CFLAGS="-O1 -gline-tables-only -fsanitize=address,fuzzer-no-link"
export CXXFLAGS="$CFLAGS"
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer
export OUT=$scratch/out WORK=$scratch/work SRC=$src
"$src/fuzz/oss-fuzz/build.sh"

status=0
for dir in "$src"/fuzz/corpus/*/; do
  t=$(basename "$dir")
  for f in "$OUT/$t" "$OUT/${t}_seed_corpus.zip" "$OUT/$t.dict"; do
    [[ -s $f ]] || { echo "missing in \$OUT: $f"; status=1; }
  done
  [[ -x $OUT/$t ]] || { echo "not executable: $OUT/$t"; status=1; }
done
[[ $status -eq 0 ]] || exit 1

# The seed zip unpacks to the committed corpus, and a target fuzzes from it.
mkdir -p "$scratch/seeds"
(cd "$scratch/seeds" && unzip -q "$OUT/roundtrip_seed_corpus.zip")
want=$(ls "$src/fuzz/corpus/roundtrip" | wc -l)
have=$(ls "$scratch/seeds" | wc -l)
[[ $want -eq $have ]] || { echo "roundtrip_seed_corpus.zip holds $have files, the corpus $want"; exit 1; }
"$OUT/roundtrip" -runs=500 -dict="$OUT/roundtrip.dict" -max_len=4096 "$scratch/seeds" >"$scratch/run.log" 2>&1 ||
  { tail -20 "$scratch/run.log"; exit 1; }
grep -q 'Done 500 runs' "$scratch/run.log" || { tail -20 "$scratch/run.log"; exit 1; }
echo "oss-fuzz build: every target, seed zip and dictionary present; roundtrip ran 500 executions"
