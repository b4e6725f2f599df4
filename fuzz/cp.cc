// SPDX-License-Identifier: Apache-2.0
// Configuration payload body (RFC 7296 3.15): CFG type and attributes.
// A narrow target: every input is a body of this one type, so the fuzzer
// spends its time inside this structure instead of the payload chain.
#include "fuzz/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  ikeh::fuzz::check_body(ikeh::codec::PayloadType::CP, ikeh::codec::BytesView(data, size));
  return 0;
}
