// SPDX-License-Identifier: Apache-2.0
// The 28-byte IKE header (RFC 7296 3.1) alone.
#include "fuzz/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace ikeh;
  codec::BytesView in(data, size);
  auto h = codec::decode_header(in);
  if (!h) {
    fuzz::check_error(h.error(), in);
    if (size >= codec::kHeaderSize) fuzz::fail("decode_header refused 28 bytes or more", in);
    return 0;
  }
  if (size < codec::kHeaderSize) fuzz::fail("decode_header accepted fewer than 28 bytes", in);
  // The header carries no computed field a message without payloads could not
  // reproduce except Next Payload and Length: re-encode it with both kept.
  codec::Message m;
  m.header = *h;
  m.header.next_payload = in[16];
  m.header.length = uint32_t{in[24]} << 24 | uint32_t{in[25]} << 16 | uint32_t{in[26]} << 8 | in[27];
  fuzz::expect_same("header re-encoding differs", in.first(codec::kHeaderSize), codec::encode_message(m));
  return 0;
}
