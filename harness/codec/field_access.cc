// SPDX-License-Identifier: Apache-2.0
#include "harness/core/edit_distance.h"
#include "harness/codec/field_access.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "harness/codec/message_io.h"

namespace ikeh::codec {

namespace {

// The generic payload header's field names, as decode_chain() and
// encode_chain() name them.
constexpr std::string_view kGenericHeader[] = {"next_payload", "critical", "reserved", "payload_length"};

bool is_generic_header_name(std::string_view s) {
  return std::find(std::begin(kGenericHeader), std::end(kGenericHeader), s) != std::end(kGenericHeader);
}

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  while (true) {
    std::size_t slash = path.find('/', at);
    out.push_back(path.substr(at, slash == std::string_view::npos ? std::string_view::npos : slash - at));
    if (slash == std::string_view::npos) break;
    at = slash + 1;
  }
  return out;
}

std::optional<std::size_t> parse_index(std::string_view s) {
  std::size_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

const char* kind_name(const FieldValue& v) {
  switch (v.index()) {
    case 0: return "a number";
    case 1: return "a bool";
    default: return "bytes";
  }
}

using core::edit_distance;

// The third Io beside Decoder and Encoder: it walks a description without
// bytes, tracking the path of names, and assigns the value to the field whose
// path equals the target. Descriptions see kDecoding = false, so they leave
// the fields they would clear while decoding alone. Every leaf path walked is
// collected for field_paths() and for suggestions.
class FieldSetter {
 public:
  static constexpr bool kDecoding = false;

  // `target` empty: collect paths only, change nothing.
  FieldSetter(std::vector<std::string_view> target, const FieldValue* value)
      : target_(std::move(target)), value_(value) {}

  // Body paths are walked under a leading "body" segment so the body's
  // "reserved" and the generic header's stay apart.
  void push(std::string s, bool list_name = false) { path_.push_back({std::move(s), list_name}); }
  void pop() { path_.pop_back(); }

  bool found() const { return found_; }
  const std::optional<std::string>& error() const { return error_; }
  const std::vector<std::string>& seen() const { return seen_; }

  // ---- the Io method set the descriptions use
  bool ok() const { return true; }
  std::size_t mark() const { return 0; }
  bool is_last(const ListPos& p) const { return p.index + 1 == p.count; }

  template <class T>
  void num(const char* name, T& v, NumFmt = {}) {
    using U = typename WireOf<T>::type;
    number(name, sizeof(U) * 8, [&](uint64_t x) { v = static_cast<T>(static_cast<U>(x)); });
  }
  void u24(const char* name, uint32_t& v) {
    number(name, 24, [&](uint64_t x) { v = static_cast<uint32_t>(x); });
  }
  void flag8(const char* flag_name, bool& flag, const char* name, uint8_t& v) {
    boolean(flag_name, flag);
    number(name, 7, [&](uint64_t x) { v = static_cast<uint8_t>(x); });
  }
  template <class T>
  void flag16(const char* flag_name, bool& flag, const char* name, T& v, NumFmt = {}) {
    boolean(flag_name, flag);
    using U = typename WireOf<T>::type;
    number(name, 15, [&](uint64_t x) { v = static_cast<T>(static_cast<U>(x)); });
  }
  void bytes(const char* name, Bytes& v, Show = Show::Hex) { bytes_leaf(name, v); }
  void bytes_n(const char* name, Bytes& v, std::size_t, Show = Show::Hex) { bytes_leaf(name, v); }
  void bytes_list(const char* name, std::vector<Bytes>& v, std::size_t, std::size_t, Show = Show::Hex) {
    check_index(name, v.size());
    push(name, true);
    for (std::size_t i = 0; i < v.size(); ++i) bytes_leaf(std::to_string(i), v[i]);
    pop();
  }

  template <class T>
  Slot<T> slot(const char* name, std::optional<T>& ovr, NumFmt = {}) {
    number(name, sizeof(T) * 8, [&](uint64_t x) { ovr = static_cast<T>(x); });
    Slot<T> s;
    s.ovr = &ovr;
    s.name = name;
    s.wire = ovr.value_or(T{});
    return s;
  }
  template <class T>
  void fill(Slot<T>&, uint64_t) {}
  template <class T>
  bool open(Slot<T>&, std::size_t, const char*, std::size_t&, std::size_t = 0) {
    return true;
  }
  template <class T>
  void close(Slot<T>&, std::size_t, std::size_t) {}

  template <class T>
  void list(const char* name, std::vector<T>& items) {
    check_index(name, items.size());
    push(name, true);
    for (std::size_t i = 0; i < items.size(); ++i) {
      push(std::to_string(i));
      items[i].fields(*this, ListPos{i, items.size()});
      pop();
    }
    pop();
  }
  void enter(const char*, int = -1, PayloadType = PayloadType::NONE) {}
  void leave() {}
  void fail(const char*, std::string, uint16_t = 7) {}

 private:
  struct Segment {
    std::string text;
    bool list_name;  // also matches the JSON's plural ("proposals")
  };

  static bool segment_matches(const Segment& s, std::string_view t) {
    if (s.text == t) return true;
    return s.list_name && t.size() == s.text.size() + 1 && t.back() == 's' && t.starts_with(s.text);
  }

  // True when the first path_.size() target segments name the current path.
  bool prefix_matches() const {
    if (target_.size() < path_.size()) return false;
    for (std::size_t i = 0; i < path_.size(); ++i)
      if (!segment_matches(path_[i], target_[i])) return false;
    return true;
  }

  // A target that runs through this list with an index past its end gets its
  // own error rather than "no such field".
  void check_index(const char* name, std::size_t size) {
    if (target_.size() < path_.size() + 2 || !prefix_matches()) return;
    if (!segment_matches(Segment{name, true}, target_[path_.size()])) return;
    auto index = parse_index(target_[path_.size() + 1]);
    if (!index || *index < size) return;
    std::string base = display(path_.size());
    std::string at = base.empty() ? std::string(name) : base + "/" + name;
    error_ = "index " + std::to_string(*index) + " is past the end of " + at + " (" + std::to_string(size) +
             (size == 1 ? " element" : " elements") + "); set_field does not add elements";
  }

  // Visits a leaf: records its path, and when it is the target hands the value
  // to `accept`, which assigns it or leaves an error.
  template <class Accept>
  void leaf(std::string name, Accept&& accept) {
    push(std::move(name));
    seen_.push_back(display(path_.size()));
    if (!found_ && !error_ && target_.size() == path_.size() && prefix_matches()) {
      found_ = true;
      accept();
    }
    pop();
  }

  template <class Assign>
  void number(const char* name, unsigned bits, Assign&& assign) {
    leaf(name, [&] {
      const auto* x = std::get_if<uint64_t>(value_);
      uint64_t max = bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
      if (!x) {
        error_ = "is a " + std::to_string(bits) + "-bit number; got " + kind_name(*value_);
      } else if (*x > max) {
        error_ = "is a " + std::to_string(bits) + "-bit number; " + std::to_string(*x) + " does not fit (max " +
                 std::to_string(max) + ")";
      } else {
        assign(*x);
      }
    });
  }
  void boolean(const char* name, bool& v) {
    leaf(name, [&] {
      if (const auto* b = std::get_if<bool>(value_))
        v = *b;
      else
        error_ = std::string("is a flag (bool); got ") + kind_name(*value_);
    });
  }
  void bytes_leaf(std::string name, Bytes& v) {
    leaf(std::move(name), [&] {
      if (const auto* b = std::get_if<Bytes>(value_))
        v = *b;
      else
        error_ = std::string("is bytes; got ") + kind_name(*value_);
    });
  }

  // The canonical text of the first n path segments: without the internal
  // "body" segment unless the rest would read as a generic header field.
  std::string display(std::size_t n) const {
    std::size_t from = 0;
    if (n > 0 && path_[0].text == "body" && !(n == 2 && is_generic_header_name(path_[1].text))) from = 1;
    std::string s;
    for (std::size_t i = from; i < n; ++i) {
      if (!s.empty()) s += '/';
      s += path_[i].text;
    }
    return s;
  }

  std::vector<std::string_view> target_;
  const FieldValue* value_;
  std::vector<Segment> path_;
  std::vector<std::string> seen_;
  bool found_ = false;
  std::optional<std::string> error_;
};

// The generic payload header and the body, in wire order, as encode_chain()
// describes them.
void walk_payload(FieldSetter& io, Payload& p) {
  io.slot("next_payload", p.next_payload);
  io.flag8("critical", p.critical, "reserved", p.reserved);
  io.slot("payload_length", p.length);
  io.push("body");
  std::visit([&](auto& body) { body.fields(io); }, p.body);
  io.pop();
}

void walk_header(FieldSetter& io, Header& h) {
  Slot<uint8_t> next;
  Slot<uint32_t> len;
  header_fields(io, h, next, len);
}

std::string closest(std::string_view path, const std::vector<std::string>& known) {
  // Known paths are canonical (no "body/" prefix), the path may carry one.
  std::string_view bare = path.starts_with("body/") ? path.substr(5) : path;
  std::string best;
  std::size_t best_d = ~std::size_t{0};
  for (const auto& k : known) {
    std::size_t d = std::min(edit_distance(path, k), edit_distance(bare, k));
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  return best;
}

core::Error field_error(std::string where, std::string_view path, std::string reason) {
  core::Error e = core::make_error(std::move(where), std::move(reason));
  e.field = std::string(path);
  return e;
}

core::Error unknown_field(std::string where, std::string_view path, const std::vector<std::string>& known) {
  std::string reason = "no such field";
  if (!known.empty()) reason += "; did you mean \"" + closest(path, known) + "\"?";
  return field_error(std::move(where), path, std::move(reason));
}

std::string payload_where(const Payload& p) { return label(p.type) + " payload"; }

}  // namespace

core::Status set_field(Payload& p, std::string_view path, const FieldValue& value) {
  auto target = split(path);
  // Plain paths name body fields unless they are one of the generic header's;
  // "body/" reaches a body field of the same name.
  if (target.front() != "body" && !(target.size() == 1 && is_generic_header_name(target.front())))
    target.insert(target.begin(), "body");
  FieldSetter io(std::move(target), &value);
  walk_payload(io, p);
  if (io.error()) return field_error(payload_where(p), path, *io.error());
  if (!io.found()) return unknown_field(payload_where(p), path, io.seen());
  return {};
}

core::Status set_header_field(Header& h, std::string_view path, const FieldValue& value) {
  std::string_view name = path;
  if (name.starts_with("header/")) name.remove_prefix(7);
  if (name == "spi_i") name = "initiator_spi";
  if (name == "spi_r") name = "responder_spi";
  if (name == "major_version" || name == "minor_version") {
    const auto* x = std::get_if<uint64_t>(&value);
    if (!x) return field_error("IKE header", path, std::string("is a 4-bit number; got ") + kind_name(value));
    if (*x > 15)
      return field_error("IKE header", path,
                         "is a 4-bit number; " + std::to_string(*x) + " does not fit (max 15)");
    uint8_t v = static_cast<uint8_t>(*x);
    h.version = name == "major_version" ? static_cast<uint8_t>(v << 4 | (h.version & 0x0f))
                                        : static_cast<uint8_t>((h.version & 0xf0) | v);
    return {};
  }
  FieldSetter io(split(name), &value);
  walk_header(io, h);
  if (io.error()) return field_error("IKE header", path, *io.error());
  if (!io.found()) return unknown_field("IKE header", path, header_field_paths());
  return {};
}

std::vector<std::string> field_paths(const Payload& p) {
  // A walk without a target assigns nothing; the descriptions take non-const
  // references only because decoding shares them.
  FieldSetter io({}, nullptr);
  walk_payload(io, const_cast<Payload&>(p));
  return io.seen();
}

std::vector<std::string> header_field_paths() {
  Header scratch;
  FieldSetter io({}, nullptr);
  walk_header(io, scratch);
  std::vector<std::string> out = io.seen();
  auto version = std::find(out.begin(), out.end(), "version");
  if (version != out.end()) out.insert(version + 1, {"major_version", "minor_version"});
  return out;
}

}  // namespace ikeh::codec
