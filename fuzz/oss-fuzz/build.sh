#!/bin/bash -eu
# SPDX-License-Identifier: Apache-2.0
# Builds the fuzz targets the way OSS-Fuzz and ClusterFuzzLite do: only from
# $CC, $CXX, $CFLAGS, $CXXFLAGS, $LIB_FUZZING_ENGINE and $OUT (objects go to
# $WORK when set). No CMake: the parser targets need just harness/core,
# harness/codec and net/udp_framing.cc, none of the project's other
# dependencies (OpenSSL, libtins, JSON).
#
# Puts in $OUT, for each target: the binary, <target>_seed_corpus.zip,
# <target>.dict and <target>.options.
#
# By hand:  CC=clang CXX=clang++ CFLAGS=-fsanitize=address,fuzzer-no-link \
#           CXXFLAGS=-fsanitize=address,fuzzer-no-link LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
#           OUT=/tmp/out fuzz/oss-fuzz/build.sh
: "${CXX:?}" "${CXXFLAGS:?}" "${LIB_FUZZING_ENGINE:?}" "${OUT:?}"
JOBS=${JOBS:-2}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=${WORK:-$OUT}/ikeharness-obj
mkdir -p "$OUT" "$work"

targets=(header payload sa cp ts notify message roundtrip datagram)
# The codec and what it stands on; net contributes only the UDP framing (its
# capture code needs libtins, which no parser target uses).
sources=("$root"/harness/core/*.cc "$root"/harness/codec/*.cc "$root/net/udp_framing.cc")

flags=(-std=c++20 -I"$root" $CXXFLAGS)

# Objects in parallel, $JOBS at a time; a failed compile stops the build.
pids=()
for src in "${sources[@]}" "${targets[@]/#/$root/fuzz/}"; do
  [[ $src == *.cc ]] || src=$src.cc
  obj=$work/$(echo "${src#$root/}" | tr / _).o
  "$CXX" "${flags[@]}" -c "$src" -o "$obj" &
  pids+=($!)
  if (( ${#pids[@]} >= JOBS )); then
    wait "${pids[0]}"
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid"; done

rm -f "$work/libikeh.a"
lib_objs=()
for src in "${sources[@]}"; do lib_objs+=("$work/$(echo "${src#$root/}" | tr / _).o"); done
ar rcs "$work/libikeh.a" "${lib_objs[@]}"

for t in "${targets[@]}"; do
  # $LIB_FUZZING_ENGINE last but one: it may be a library (-lFuzzingEngine)
  # that needs the target's objects before it.
  "$CXX" $CXXFLAGS "$work/fuzz_$t.cc.o" "$work/libikeh.a" $LIB_FUZZING_ENGINE -o "$OUT/$t"
  rm -f "$OUT/${t}_seed_corpus.zip"
  (cd "$root/fuzz/corpus/$t" && zip -q -X "$OUT/${t}_seed_corpus.zip" ./*)
  cp "$root/fuzz/ike.dict" "$OUT/$t.dict"
  printf '[libfuzzer]\nmax_len = 4096\n' >"$OUT/$t.options"
done
echo "built ${#targets[@]} fuzz targets into $OUT"
