// SPDX-License-Identifier: Apache-2.0
// Key material: pre-shared keys, private values, SKEYSEED and the SK_* keys.
// The bytes are wiped (OPENSSL_cleanse) whenever they are freed or replaced,
// and a Secret has no stream operator and no implicit conversion to Bytes, so
// it cannot end up in a log by accident. reveal() is the one explicit way out
// (key export on the user's request, tests).
#pragma once

#include <cstddef>
#include <cstdint>

#include "harness/core/bytes.h"

namespace ikeh::crypto {

using core::Bytes;
using core::BytesView;

class Secret {
 public:
  Secret() = default;
  explicit Secret(BytesView data);
  explicit Secret(std::size_t size);  // zero-filled
  Secret(const Secret& other);
  Secret(Secret&& other) noexcept;
  Secret& operator=(const Secret& other);
  Secret& operator=(Secret&& other) noexcept;
  ~Secret();

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const uint8_t* data() const { return data_; }
  uint8_t* data() { return data_; }
  BytesView view() const { return BytesView(data_, size_); }
  // The first n bytes / the bytes from pos on (clamped), as new secrets.
  Secret first(std::size_t n) const;
  Secret sub(std::size_t pos, std::size_t n) const;

  // A copy as plain bytes, for key export and tests only.
  Bytes reveal() const { return Bytes(data_, data_ + size_); }

  bool operator==(const Secret& o) const;  // constant time in the length

 private:
  void wipe();
  uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace ikeh::crypto
