// SPDX-License-Identifier: Apache-2.0
// The field-description machinery behind every payload (DESIGN rule 1).
//
// Each wire structure is described once by a member template
//
//   template <class Io> void fields(Io& io);          // or fields(io, ListPos)
//
// that names its fields in wire order through the primitives below. The same
// description is run by the Decoder (bounded reader, total, never throws, first
// error wins), the Encoder (writer with patching of computed fields) and, via
// the Decoder's Trace hook, by printers that need names, offsets and wire
// values of every field.
//
// Computed fields (lengths, counts, sizes, numbering) are Slots: the encoder
// writes the override if one is set, else the computed value; the decoder
// records the wire value into the override only when it differs from what the
// encoder would compute, so encode(decode(bytes)) == bytes and a built message
// gets correct values without the caller computing anything.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "harness/codec/registry.h"
#include "harness/core/byte_io.h"
#include "harness/core/result.h"

namespace ikeh::codec {

using core::Bytes;
using core::BytesView;

// How a bytes field is best shown to a person. Printers fall back to hex
// whenever the data does not fit the hint (an "Ipv4" field of 5 bytes).
enum class Show : uint8_t {
  Hex,
  Text,        // printable ASCII (FQDN, e-mail, version string)
  Ipv4,        // 4 bytes
  Ipv6,        // 16 bytes
  Ipv4Subnet,  // 8 bytes: address and mask
  Ipv6Prefix,  // 17 bytes: address and prefix length
  Uint,        // big-endian unsigned integer of 1-8 bytes
  U16List,     // list of big-endian 16-bit values (hash algorithms)
};

// How a number is shown: a registry namer and/or hexadecimal.
struct NumFmt {
  Namer namer = nullptr;
  bool hex = false;
};

// The integer type a field is carried in on the wire.
template <class T, bool = std::is_enum_v<T>>
struct WireOf {
  using type = T;
};
template <class T>
struct WireOf<T, true> {
  using type = std::underlying_type_t<T>;
};

template <class T>
constexpr NumFmt default_fmt() {
  if constexpr (std::is_enum_v<T>)
    return NumFmt{&name_raw<T>, false};
  else
    return NumFmt{};
}

// Position of an element in a list: its index, and the element count when
// known (encoding). Decoders learn whether an element was the last one only
// after parsing it; descriptions ask io.is_last(pos).
struct ListPos {
  std::size_t index = 0;
  std::size_t count = 0;
};

// A computed field whose value is settled after later fields are known.
template <class T>
struct Slot {
  T wire{};                       // the value read (decoder)
  std::size_t pos = 0;            // offset of the field
  std::optional<T>* ovr = nullptr;
  const char* name = "";
};

// A trace receives every field the Decoder reads, in wire order, with its
// absolute offset. Printers implement it; NoTrace compiles away.
struct NoTrace {
  void num(const char*, uint64_t, unsigned, NumFmt, std::size_t) {}
  void flag(const char*, bool, std::size_t) {}
  void bytes(const char*, BytesView, Show, std::size_t) {}
  void begin(const char*, int, std::size_t) {}
  void begin_payload(PayloadType, std::size_t) {}
  void end(std::size_t) {}
  void begin_list(const char*) {}
  void end_list() {}
};

// ---------------------------------------------------------------- decoding

// Where the decoder is, for error messages: "SA payload / proposal 1".
struct PathEntry {
  const char* name = nullptr;  // null for payload entries
  int index = -1;              // -1: no index
  PayloadType payload = PayloadType::NONE;
};

template <class Trace = NoTrace>
class Decoder {
 public:
  static constexpr bool kDecoding = true;
  // Without a trace every trace call compiles away, namer arguments included.
  static constexpr bool kTracing = !std::is_same_v<Trace, NoTrace>;

  Decoder(BytesView data, Trace* trace = nullptr) : r_(data), trace_(trace) {}

  bool ok() const { return !failed_; }
  const core::Error& error() const { return error_; }
  core::ByteReader& reader() { return r_; }
  std::size_t mark() const { return r_.pos(); }
  bool at_end() const { return r_.at_end(); }
  std::size_t remaining() const { return r_.remaining(); }
  bool is_last(const ListPos&) const { return r_.at_end(); }

  template <class T>
  void num(const char* name, T& v, NumFmt fmt = default_fmt<T>()) {
    if (failed_) return;
    using U = typename WireOf<T>::type;
    std::size_t at = r_.pos();
    U raw{};
    bool got;
    if constexpr (sizeof(U) == 1) {
      got = r_.u8(raw);
    } else if constexpr (sizeof(U) == 2) {
      got = r_.u16(raw);
    } else if constexpr (sizeof(U) == 4) {
      got = r_.u32(raw);
    } else {
      got = r_.u64(raw);
    }
    if (!got) return truncated(name, sizeof(U));
    v = static_cast<T>(raw);
    if (tracing()) trace_->num(name, static_cast<uint64_t>(raw), sizeof(U), fmt, at);
  }

  void u24(const char* name, uint32_t& v) {
    if (failed_) return;
    std::size_t at = r_.pos();
    if (!r_.u24(v)) return truncated(name, 3);
    if (tracing()) trace_->num(name, v, 3, NumFmt{}, at);
  }

  // One octet: a flag in the top bit and a 7-bit value below it.
  void flag8(const char* flag_name, bool& flag, const char* name, uint8_t& v) {
    if (failed_) return;
    std::size_t at = r_.pos();
    uint8_t raw = 0;
    if (!r_.u8(raw)) return truncated(flag_name, 1);
    flag = raw & 0x80;
    v = raw & 0x7f;
    if (tracing()) {
      trace_->flag(flag_name, flag, at);
      trace_->num(name, v, 1, NumFmt{}, at);
    }
  }

  // Two octets: a flag in the top bit and a 15-bit value below it.
  template <class T>
  void flag16(const char* flag_name, bool& flag, const char* name, T& v, NumFmt fmt = default_fmt<T>()) {
    if (failed_) return;
    std::size_t at = r_.pos();
    uint16_t raw = 0;
    if (!r_.u16(raw)) return truncated(flag_name, 2);
    flag = raw & 0x8000;
    v = static_cast<T>(raw & 0x7fff);
    if (tracing()) {
      trace_->flag(flag_name, flag, at);
      trace_->num(name, raw & 0x7fff, 2, fmt, at);
    }
  }

  // The rest of the current scope.
  void bytes(const char* name, Bytes& v, Show show = Show::Hex) { bytes_n(name, v, r_.remaining(), show); }

  // Exactly n bytes.
  void bytes_n(const char* name, Bytes& v, std::size_t n, Show show = Show::Hex) {
    if (failed_) return;
    std::size_t at = r_.pos();
    if (!r_.bytes(n, v)) return truncated(name, n);
    if (tracing()) trace_->bytes(name, v, show, at);
  }

  // count items of n bytes each.
  void bytes_list(const char* name, std::vector<Bytes>& v, std::size_t n, std::size_t count,
                  Show show = Show::Hex) {
    if (failed_) return;
    if (tracing()) trace_->begin_list(name);
    std::size_t i = 0;
    for (; i < count && !failed_; ++i) {
      std::size_t at = r_.pos();
      if (r_.remaining() < n) {
        fail(name, "item " + std::to_string(i + 1) + " of " + std::to_string(count) + " needs " +
                       std::to_string(n) + " bytes, " + std::to_string(r_.remaining()) + " left");
        break;
      }
      Bytes& b = i < v.size() ? v[i] : v.emplace_back();
      r_.bytes(n, b);
      if (tracing()) trace_->bytes(name, b, show, at);
    }
    v.resize(i);
    if (tracing()) trace_->end_list();
  }

  template <class T>
  Slot<T> slot(const char* name, std::optional<T>& ovr, NumFmt fmt = {}) {
    Slot<T> s;
    s.ovr = &ovr;
    s.name = name;
    s.pos = r_.pos();
    num(name, s.wire, fmt);
    return s;
  }

  // Records the wire value as an override when it is not what an encoder would
  // compute, so re-encoding reproduces it.
  template <class T>
  void fill(Slot<T>& s, uint64_t computed) {
    if (failed_) return;
    if (static_cast<uint64_t>(s.wire) != computed)
      *s.ovr = s.wire;
    else
      s.ovr->reset();  // a reused object may hold an override from before
  }

  // Opens a scope bounded by a length field whose value counts bytes from
  // `start`. Returns false (with an error) when the length is impossible.
  template <class T>
  bool open(Slot<T>& len, std::size_t start, const char* container, std::size_t& saved, std::size_t header = 0) {
    if (failed_) return false;
    std::size_t end = start + static_cast<std::size_t>(len.wire);
    // `header`: the fixed part of the structure, when it is longer than what
    // has been read so far, so a too-short length is named as such.
    std::size_t fixed = std::max(header, r_.pos() - start);
    if (end < start + fixed) [[unlikely]] {
      length_error(len.pos, len.name, len.wire, fixed, 0, nullptr);
      return false;
    }
    if (end > r_.limit()) [[unlikely]] {
      length_error(len.pos, len.name, len.wire, 0, r_.limit() - start, container);
      return false;
    }
    r_.narrow(end, saved);
    return true;
  }

  // Closes a length scope: everything inside must have been read.
  template <class T>
  void close(Slot<T>& len, std::size_t start, std::size_t saved) {
    if (failed_) return;
    if (!r_.at_end()) [[unlikely]] {
      leftover_error(len.name, len.wire);
      return;
    }
    r_.restore(saved);
    fill(len, r_.pos() - start);
  }

  // Elements until the end of the current scope.
  template <class T>
  void list(const char* name, std::vector<T>& items) {
    if (failed_) return;
    if (tracing()) trace_->begin_list(name);
    // Elements already there are reused so a reused message keeps its
    // capacity; descriptions overwrite every field they own.
    std::size_t i = 0;
    // Room for a few elements at once, but only for a list that has any: most
    // transforms carry no attributes.
    if (items.capacity() == 0 && !r_.at_end()) items.reserve(4);
    while (!failed_ && !r_.at_end()) {
      T& item = i < items.size() ? items[i] : items.emplace_back();
      enter(name, static_cast<int>(i));
      if (tracing()) trace_->begin(name, static_cast<int>(i), r_.pos());
      item.fields(*this, ListPos{i, 0});
      if (tracing()) trace_->end(r_.pos());
      leave();
      ++i;
    }
    items.resize(i);
    if (tracing()) trace_->end_list();
  }

  // Context for error messages.
  void enter(const char* name, int index = -1, PayloadType payload = PayloadType::NONE) {
    if (depth_ < kMaxDepth) path_[depth_] = PathEntry{name, index, payload};
    ++depth_;
  }
  void leave() {
    if (!failed_) --depth_;
  }

  void fail(const char* field, std::string reason, uint16_t notify = 7 /* INVALID_SYNTAX */) {
    fail_at(r_.pos(), field, std::move(reason), notify);
  }
  void fail_at(std::size_t offset, const char* field, std::string reason, uint16_t notify = 7) {
    if (failed_) return;
    failed_ = true;
    error_.where = path_string();
    error_.field = field ? field : "";
    error_.offset = offset;
    error_.has_offset = true;
    error_.notify = notify;
    error_.reason = std::move(reason);
  }

  Trace* trace() { return trace_; }

 private:
  static constexpr int kMaxDepth = 8;

  [[gnu::cold, gnu::noinline]] void truncated(const char* name, std::size_t need) {
    fail(name, "truncated: needs " + std::to_string(need) + " bytes, " + std::to_string(r_.remaining()) +
                   " left");
  }

  bool tracing() const {
    if constexpr (kTracing)
      return trace_ != nullptr;
    else
      return false;
  }

  // Error paths kept out of line so the hot checks inline.
  [[gnu::cold, gnu::noinline]] void length_error(std::size_t at, const char* name, uint64_t value,
                                                   std::size_t header, std::size_t left, const char* container) {
    if (container == nullptr)
      fail_at(at, name, std::to_string(value) + " is shorter than the " + std::to_string(header) +
                            "-byte header it includes");
    else
      fail_at(at, name, std::to_string(value) + " exceeds " + container + " (" + std::to_string(left) +
                            " bytes left)");
  }
  [[gnu::cold, gnu::noinline]] void leftover_error(const char* name, uint64_t value) {
    fail(name, std::to_string(value) + " leaves " + std::to_string(r_.remaining()) + " bytes after the last field");
  }

  std::string path_string() const;

  core::ByteReader r_;
  Trace* trace_;
  bool failed_ = false;
  core::Error error_;
  PathEntry path_[kMaxDepth];
  int depth_ = 0;
};

std::string format_path(const PathEntry* entries, int count);

template <class Trace>
std::string Decoder<Trace>::path_string() const {
  return format_path(path_, depth_ < kMaxDepth ? depth_ : kMaxDepth);
}

// ---------------------------------------------------------------- encoding

class Encoder {
 public:
  static constexpr bool kDecoding = false;

  explicit Encoder(Bytes& out) : w_(out) {}

  bool ok() const { return true; }
  std::size_t mark() const { return w_.pos(); }
  bool is_last(const ListPos& p) const { return p.index + 1 == p.count; }
  // Trims the output to the bytes written; call once, after the last field.
  void finish() { w_.finish(); }

  template <class T>
  void num(const char*, T& v, NumFmt = {}) {
    using U = typename WireOf<T>::type;
    U raw = static_cast<U>(v);
    if constexpr (sizeof(U) == 1) {
      w_.u8(raw);
    } else if constexpr (sizeof(U) == 2) {
      w_.u16(raw);
    } else if constexpr (sizeof(U) == 4) {
      w_.u32(raw);
    } else {
      w_.u64(raw);
    }
  }
  void u24(const char*, uint32_t& v) { w_.u24(v); }
  void flag8(const char*, bool& flag, const char*, uint8_t& v) {
    w_.u8(static_cast<uint8_t>((flag ? 0x80 : 0) | (v & 0x7f)));
  }
  template <class T>
  void flag16(const char*, bool& flag, const char*, T& v, NumFmt = {}) {
    w_.u16(static_cast<uint16_t>((flag ? 0x8000 : 0) | (static_cast<uint16_t>(v) & 0x7fff)));
  }
  void bytes(const char*, Bytes& v, Show = Show::Hex) { w_.bytes(v); }
  // Writes v as it is: a value of another size is a deliberate malformation.
  void bytes_n(const char*, Bytes& v, std::size_t, Show = Show::Hex) { w_.bytes(v); }
  void bytes_list(const char*, std::vector<Bytes>& v, std::size_t, std::size_t, Show = Show::Hex) {
    for (auto& b : v) w_.bytes(b);
  }

  template <class T>
  Slot<T> slot(const char* name, std::optional<T>& ovr, NumFmt = {}) {
    Slot<T> s;
    s.ovr = &ovr;
    s.name = name;
    s.pos = w_.pos();
    T zero{};
    num(name, zero);
    return s;
  }
  template <class T>
  void fill(Slot<T>& s, uint64_t computed) {
    uint64_t v = s.ovr->has_value() ? static_cast<uint64_t>(**s.ovr) : computed;
    w_.patch(s.pos, sizeof(T), static_cast<uint32_t>(v));
  }
  template <class T>
  bool open(Slot<T>&, std::size_t, const char*, std::size_t&, std::size_t = 0) {
    return true;
  }
  template <class T>
  void close(Slot<T>& len, std::size_t start, std::size_t) {
    fill(len, w_.pos() - start);
  }
  template <class T>
  void list(const char*, std::vector<T>& items) {
    for (std::size_t i = 0; i < items.size(); ++i) items[i].fields(*this, ListPos{i, items.size()});
  }
  void enter(const char*, int = -1, PayloadType = PayloadType::NONE) {}
  void leave() {}
  void fail(const char*, std::string, uint16_t = 7) {}

 private:
  core::ByteWriter w_;
};

}  // namespace ikeh::codec
