// SPDX-License-Identifier: Apache-2.0
// Checks shared by the fuzz targets. A failed check prints what broke with the
// input and the re-encoded bytes in hex, then aborts, so libFuzzer (or the
// replay program) reports a crash with a reproducer.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <span>

#include "harness/codec/message.h"
#include "harness/codec/rules.h"

namespace ikeh::fuzz {

using codec::Bytes;
using codec::BytesView;

inline void print_hex(const char* label, BytesView b) {
  std::fprintf(stderr, "  %s (%zu bytes): ", label, b.size());
  for (uint8_t c : b) std::fprintf(stderr, "%02x", c);
  std::fprintf(stderr, "\n");
}

[[noreturn]] inline void fail(const char* what, BytesView input, BytesView got = {}, std::size_t at = 0) {
  std::fprintf(stderr, "FUZZ CHECK FAILED: %s\n", what);
  if (at) std::fprintf(stderr, "  first difference at offset %zu\n", at);
  print_hex("input", input);
  if (!got.empty()) print_hex("re-encoded", got);
  std::abort();
}

// Aborts unless `got` is byte-for-byte `want`.
inline void expect_same(const char* what, BytesView want, BytesView got) {
  std::size_t n = want.size() < got.size() ? want.size() : got.size();
  std::size_t i = 0;
  while (i < n && want[i] == got[i]) ++i;
  if (i == n && want.size() == got.size()) return;
  fail(what, want, got, i);
}

// Every error must point inside the bytes it was produced from: printers and
// reports show the octet at that offset.
inline void check_error(const core::Error& e, BytesView input) {
  if (e.has_offset && e.offset > input.size()) fail("error offset lies beyond the input", input);
  if (codec::describe(e).empty()) fail("empty error description", input);
}

// One payload body of `type`: when it decodes, encoding gives the input back
// (decoders are lossless), the re-encoded bytes decode again to the same
// encoding, and the structure rules run on it without tripping anything.
inline void check_body(codec::PayloadType type, BytesView body) {
  auto decoded = codec::decode_body(type, body);
  if (!decoded) {
    check_error(decoded.error(), body);
    return;
  }
  Bytes again = codec::encode_body(*decoded);
  expect_same("encode_body(decode_body(b)) != b", body, again);
  auto redecoded = codec::decode_body(type, again);
  if (!redecoded) fail("re-encoded body no longer decodes", body, again);
  expect_same("second round trip changed the body", again, codec::encode_body(*redecoded));

  codec::Payload p;
  p.type = type;
  p.body = std::move(*decoded);
  auto status = codec::verify_inner(codec::ExchangeType::INFORMATIONAL, false, std::span(&p, 1));
  if (!status) check_error(status.error(), body);
}

}  // namespace ikeh::fuzz
