// SPDX-License-Identifier: Apache-2.0
// Lossless round trip of whole messages (DESIGN rule 9): for anything that
// decodes, encode(decode(b)) == b, and the re-encoded bytes decode to a
// message that encodes to the same bytes again. Messages are compared by
// re-encoding, which covers every field including the kept overrides.
#include "fuzz/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace ikeh;
  codec::BytesView in(data, size);
  auto m = codec::decode_message(in);
  if (!m) return 0;
  codec::Bytes once = codec::encode_message(*m);
  fuzz::expect_same("encode_message(decode_message(b)) != b", in, once);

  auto again = codec::decode_message(once);
  if (!again) fuzz::fail("re-encoded message no longer decodes", in, once);
  if (again->payloads.size() != m->payloads.size()) fuzz::fail("re-decoding changed the payload count", in, once);
  for (std::size_t i = 0; i < m->payloads.size(); ++i) {
    const auto& a = m->payloads[i];
    const auto& b = again->payloads[i];
    if (a.type != b.type || a.body.index() != b.body.index())
      fuzz::fail("re-decoding changed a payload's type", in, once);
    // Each body alone must also survive the body-level round trip.
    fuzz::expect_same("payload body differs after re-decoding", codec::encode_body(a.body), codec::encode_body(b.body));
  }
  fuzz::expect_same("second round trip changed the message", once, codec::encode_message(*again));

  // A copy without any raw bytes attached (as the engine builds messages)
  // encodes the same: encoding depends on the fields only.
  codec::Message built;
  built.header = m->header;
  built.payloads = m->payloads;
  for (auto& p : built.payloads) p.set_raw(nullptr, 0, 0);
  fuzz::expect_same("encoding depends on kept raw bytes", in, codec::encode_message(built));
  return 0;
}
