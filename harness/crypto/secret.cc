// SPDX-License-Identifier: Apache-2.0
#include "harness/crypto/secret.h"

#include <openssl/crypto.h>

#include <cstring>

namespace ikeh::crypto {

// No zero fill: every byte is overwritten at once.
Secret::Secret(BytesView d) : data_(d.empty() ? nullptr : new uint8_t[d.size()]), size_(d.size()) {
  if (size_) std::memcpy(data_, d.data(), size_);
}

Secret::Secret(std::size_t size) : data_(size ? new uint8_t[size]() : nullptr), size_(size) {}

Secret::Secret(const Secret& o) : Secret(o.view()) {}

Secret::Secret(Secret&& o) noexcept : data_(o.data_), size_(o.size_) {
  o.data_ = nullptr;
  o.size_ = 0;
}

Secret& Secret::operator=(const Secret& o) {
  if (this != &o) {
    Secret copy(o);
    *this = std::move(copy);
  }
  return *this;
}

Secret& Secret::operator=(Secret&& o) noexcept {
  if (this != &o) {
    wipe();
    data_ = o.data_;
    size_ = o.size_;
    o.data_ = nullptr;
    o.size_ = 0;
  }
  return *this;
}

Secret::~Secret() { wipe(); }

void Secret::wipe() {
  if (data_) {
    OPENSSL_cleanse(data_, size_);
    delete[] data_;
  }
  data_ = nullptr;
  size_ = 0;
}

Secret Secret::first(std::size_t n) const { return sub(0, n); }

Secret Secret::sub(std::size_t pos, std::size_t n) const {
  if (pos > size_) pos = size_;
  if (n > size_ - pos) n = size_ - pos;
  return Secret(BytesView(data_ + pos, n));
}

bool Secret::operator==(const Secret& o) const {
  return size_ == o.size_ && (size_ == 0 || CRYPTO_memcmp(data_, o.data_, size_) == 0);
}

}  // namespace ikeh::crypto
