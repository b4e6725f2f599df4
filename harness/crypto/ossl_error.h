// SPDX-License-Identifier: Apache-2.0
// Internal to harness/crypto: OpenSSL's error queue as one line of text.
#pragma once

#include <string>

namespace ikeh::crypto::detail {

// The reason OpenSSL recorded last ("unknown OpenSSL error" when none), then
// clears the queue so a later call does not report a stale error.
std::string ossl_reason();

}  // namespace ikeh::crypto::detail
