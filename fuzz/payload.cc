// SPDX-License-Identifier: Apache-2.0
// Any payload body: the first octet is the payload type, the rest the body.
// Bodies that decode must re-encode to the same bytes.
#include "fuzz/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  ikeh::fuzz::check_body(static_cast<ikeh::codec::PayloadType>(data[0]), ikeh::codec::BytesView(data + 1, size - 1));
  return 0;
}
