// SPDX-License-Identifier: Apache-2.0
// Plain message digests the protocol uses outside any PRF: SHA-1 for the
// NAT_DETECTION_*_IP hashes (RFC 7296 2.23) and for certificate hash-and-URL
// (RFC 7296 3.6).
#pragma once

#include "harness/core/bytes.h"
#include "harness/core/result.h"

namespace ikeh::crypto {

// SHA-1 of data, 20 bytes. Fails only when OpenSSL does (the error names the
// step and OpenSSL's reason).
core::Result<core::Bytes> sha1(core::BytesView data);

}  // namespace ikeh::crypto
