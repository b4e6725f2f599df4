// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "harness/core/bytes.h"

namespace ikeh::core {

// Bounded big-endian reader. Every read checks the bound first and returns
// false (leaving the output untouched and the position unchanged) when the
// bytes are not there, so callers can never read past the end. The limit can
// be narrowed to a sub-structure and restored.
class ByteReader {
 public:
  explicit ByteReader(BytesView data) : data_(data.data()), end_(data.size()), size_(data.size()) {}

  std::size_t pos() const { return pos_; }
  std::size_t limit() const { return end_; }
  std::size_t remaining() const { return end_ - pos_; }
  bool at_end() const { return pos_ == end_; }
  const uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }

  // Narrows the readable range to [pos, new_end); false if new_end is beyond
  // the current limit. Returns the old limit through `saved`.
  bool narrow(std::size_t new_end, std::size_t& saved) {
    if (new_end > end_ || new_end < pos_) return false;
    saved = end_;
    end_ = new_end;
    return true;
  }
  void restore(std::size_t saved) { end_ = saved; }

  bool u8(uint8_t& v) {
    if (remaining() < 1) return false;
    v = data_[pos_++];
    return true;
  }
  bool u16(uint16_t& v) {
    if (remaining() < 2) return false;
    v = static_cast<uint16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool u24(uint32_t& v) {
    if (remaining() < 3) return false;
    v = uint32_t{data_[pos_]} << 16 | uint32_t{data_[pos_ + 1]} << 8 | data_[pos_ + 2];
    pos_ += 3;
    return true;
  }
  bool u32(uint32_t& v) {
    if (remaining() < 4) return false;
    v = uint32_t{data_[pos_]} << 24 | uint32_t{data_[pos_ + 1]} << 16 |
        uint32_t{data_[pos_ + 2]} << 8 | data_[pos_ + 3];
    pos_ += 4;
    return true;
  }
  bool u64(uint64_t& v) {
    uint32_t hi = 0, lo = 0;
    if (remaining() < 8) return false;
    u32(hi);
    u32(lo);
    v = uint64_t{hi} << 32 | lo;
    return true;
  }
  // Copies n bytes into out (replacing its contents).
  bool bytes(std::size_t n, Bytes& out) {
    if (remaining() < n) return false;
    out.assign(data_ + pos_, data_ + pos_ + n);
    pos_ += n;
    return true;
  }
  bool skip(std::size_t n) {
    if (remaining() < n) return false;
    pos_ += n;
    return true;
  }

 private:
  const uint8_t* data_;
  std::size_t pos_ = 0;
  std::size_t end_;
  std::size_t size_;
};

// Big-endian writer appending to a Bytes buffer, with in-place patching of
// fields whose value is known only later (lengths, counts).
//
// While writing, the buffer may hold zeroed slack past pos() (it grows in
// steps, not per field); finish() trims it to exactly the bytes written and
// must be called before the buffer is used.
class ByteWriter {
 public:
  explicit ByteWriter(Bytes& out) : out_(out), pos_(out.size()) {}

  std::size_t pos() const { return pos_; }
  void u8(uint8_t v) { *grow(1) = v; }
  void u16(uint16_t v) {
    uint8_t* p = grow(2);
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
  }
  void u24(uint32_t v) {
    uint8_t* p = grow(3);
    p[0] = static_cast<uint8_t>(v >> 16);
    p[1] = static_cast<uint8_t>(v >> 8);
    p[2] = static_cast<uint8_t>(v);
  }
  void u32(uint32_t v) { put32(grow(4), v); }
  void u64(uint64_t v) {
    uint8_t* p = grow(8);
    put32(p, static_cast<uint32_t>(v >> 32));
    put32(p + 4, static_cast<uint32_t>(v));
  }
  void bytes(BytesView b) {
    if (b.empty()) return;
    std::memcpy(grow(b.size()), b.data(), b.size());
  }

  // Overwrites `width` bytes (1, 2 or 4) at `at` (< pos()) with v, big-endian.
  void patch(std::size_t at, unsigned width, uint32_t v) {
    for (unsigned i = 0; i < width; ++i) out_[at + i] = static_cast<uint8_t>(v >> (8 * (width - 1 - i)));
  }

  // Trims the buffer to the bytes written.
  void finish() { out_.resize(pos_); }

 private:
  // Claims the next n bytes: one bound check per field; the vector is resized
  // only when the slack runs out (first to its reserved capacity).
  uint8_t* grow(std::size_t n) {
    if (out_.size() - pos_ < n) [[unlikely]]
      extend(n);
    uint8_t* p = out_.data() + pos_;
    pos_ += n;
    return p;
  }
  [[gnu::noinline]] void extend(std::size_t n) {
    std::size_t want = pos_ + n;
    out_.resize(std::max(want, std::max(out_.capacity(), 2 * out_.size())));
  }
  static void put32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
  }

  Bytes& out_;
  std::size_t pos_;
};

}  // namespace ikeh::core
