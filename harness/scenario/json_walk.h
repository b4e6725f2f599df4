// SPDX-License-Identifier: Apache-2.0
// Strict JSON reading shared by the scenario layer's loaders (engine
// configurations, scenarios, peer profiles): every problem is one
// ConfigError naming the JSON pointer, unknown keys are refused with a
// suggestion, duplicate keys are refused while parsing, and values are never
// quoted in type errors (a misplaced secret must not reach a message).
// Internal to harness/scenario.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <cctype>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/codec/registry.h"
#include "harness/core/result.h"

namespace ikeh::scenario::json_walk {

using json = nlohmann::json;

// ===========================================================================
// Text helpers

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

inline bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lower(s.substr(0, prefix.size())) == prefix;
}

inline std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Edits between two words, a swap of neighbouring letters counting as one
// (optimal string alignment distance): "gcm61" is one edit from "gcm16".
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t w = b.size() + 1;
  std::vector<std::size_t> d((a.size() + 1) * w);
  for (std::size_t i = 0; i <= a.size(); ++i) d[i * w] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t v = std::min({d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1,
                                d[(i - 1) * w + j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) v = std::min(v, d[(i - 2) * w + j - 2] + 1);
      d[i * w + j] = v;
    }
  }
  return d[a.size() * w + b.size()];
}

inline bool same_letters(std::string a, std::string b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

// " (did you mean "x"?)" for the closest candidate, compared without case;
// empty when nothing is close enough to be a plausible typo. Of equally
// close candidates, one with the same letters wins (a transposition is the
// likelier slip), then the first listed.
template <class Range>
std::string did_you_mean(std::string_view given, const Range& candidates) {
  const std::string g = lower(given);
  std::string best;
  std::pair<std::size_t, bool> best_score{std::numeric_limits<std::size_t>::max(), true};
  for (const auto& c : candidates) {
    const std::string l = lower(c);
    std::pair<std::size_t, bool> score{edit_distance(g, l), !same_letters(g, l)};
    if (score < best_score) {
      best_score = score;
      best = std::string(c);
    }
  }
  if (best.empty() || best_score.first > std::max<std::size_t>(2, g.size() / 3)) return {};
  return " (did you mean " + in_quotes(best) + "?)";
}

// The names of a registry, as candidates for did_you_mean().
template <class E>
std::vector<std::string_view> registry_names() {
  std::vector<std::string_view> names;
  for (const auto& e : codec::RegistryOf<E>::entries()) names.push_back(e.name);
  return names;
}

inline std::optional<uint64_t> parse_decimal(std::string_view s, uint64_t max) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
    if (v > max) return std::nullopt;
  }
  return v;
}

// ===========================================================================
// JSON walking. The first problem ends the load: it is thrown as a
// ConfigError and turned into the one-line Error at the API boundary.

struct ConfigError {
  std::string pointer;
  std::string reason;
};

[[noreturn]] inline void fail(std::string pointer, std::string reason) {
  throw ConfigError{std::move(pointer), std::move(reason)};
}

// RFC 6901: "~" and "/" inside a reference token are escaped.
inline std::string pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

inline std::string child_pointer(const std::string& parent, std::string_view key) { return parent + "/" + pointer_token(key); }
inline std::string child_pointer(const std::string& parent, std::size_t index) { return parent + "/" + std::to_string(index); }

// "a string", "an integer", ... for "expected X, got Y". Values are not
// shown: a misplaced secret must not end up in the message.
inline std::string type_phrase(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number with a fraction";
    default: return "an unsupported value";
  }
}

[[noreturn]] inline void wrong_type(const std::string& pointer, std::string_view expected, const json& got) {
  fail(pointer, "expected " + std::string(expected) + ", got " + type_phrase(got));
}

inline bool read_bool(const json& j, const std::string& ptr) {
  if (!j.is_boolean()) wrong_type(ptr, "a boolean (true or false)", j);
  return j.get<bool>();
}

inline uint64_t read_uint(const json& j, const std::string& ptr, uint64_t min, uint64_t max) {
  const std::string range = std::to_string(min) + ".." + std::to_string(max);
  if (j.is_number_unsigned()) {
    uint64_t v = j.get<uint64_t>();
    if (v < min || v > max) fail(ptr, std::to_string(v) + " is outside " + range);
    return v;
  }
  if (j.is_number_integer()) fail(ptr, std::to_string(j.get<int64_t>()) + " is outside " + range);
  wrong_type(ptr, "an integer in " + range, j);
}

inline double read_number(const json& j, const std::string& ptr) {
  if (!j.is_number()) wrong_type(ptr, "a number", j);
  return j.get<double>();
}

inline std::string read_string(const json& j, const std::string& ptr) {
  if (!j.is_string()) wrong_type(ptr, "a string", j);
  return j.get<std::string>();
}

inline const json& read_array(const json& j, const std::string& ptr, std::string_view of) {
  if (!j.is_array()) wrong_type(ptr, "an array of " + std::string(of), j);
  return j;
}

inline std::vector<std::string> read_string_list(const json& j, const std::string& ptr) {
  std::vector<std::string> out;
  const json& a = read_array(j, ptr, "strings");
  for (std::size_t i = 0; i < a.size(); ++i) out.push_back(read_string(a[i], child_pointer(ptr, i)));
  return out;
}

// A duration in whole seconds: a number, or a string with a unit as in
// strongSwan ("90s", "30m", "4h", "1d").
inline uint32_t read_seconds(const json& j, const std::string& ptr) {
  if (j.is_number()) return static_cast<uint32_t>(read_uint(j, ptr, 0, std::numeric_limits<uint32_t>::max()));
  if (!j.is_string()) wrong_type(ptr, "seconds (an integer, or a string such as \"30m\", \"4h\", \"1d\")", j);
  std::string s = j.get<std::string>();
  uint64_t unit = 1;
  if (!s.empty()) {
    switch (s.back()) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      default: unit = 0; break;
    }
    if (unit != 0) s.pop_back();
  }
  auto n = parse_decimal(s, std::numeric_limits<uint32_t>::max());
  if (unit == 0 || !n || *n * unit > std::numeric_limits<uint32_t>::max())
    fail(ptr, in_quotes(j.get<std::string>()) + " is not a duration (a number of seconds with an optional unit s, m, h "
                                             "or d, at most 4294967295 s)");
  return static_cast<uint32_t>(*n * unit);
}

// An object whose keys are checked against the allowed list on construction.
class Obj {
 public:
  Obj(const json& j, std::string ptr, std::initializer_list<std::string_view> keys) : j_(j), ptr_(std::move(ptr)) {
    if (!j_.is_object()) wrong_type(ptr_, "an object", j_);
    for (const auto& [key, value] : j_.items()) {
      if (std::find(keys.begin(), keys.end(), key) == keys.end())
        fail(at(key), "unknown key" + did_you_mean(key, keys));
    }
  }

  const std::string& ptr() const { return ptr_; }
  std::string at(std::string_view key) const { return child_pointer(ptr_, key); }
  bool has(std::string_view key) const { return j_.contains(std::string(key)); }
  const json* find(std::string_view key) const {
    auto it = j_.find(std::string(key));
    return it == j_.end() ? nullptr : &*it;
  }

  // A nested object (an empty one when the key is absent).
  Obj section(std::string_view key, std::initializer_list<std::string_view> keys) const {
    static const json kEmpty = json::object();
    const json* v = find(key);
    return Obj(v ? *v : kEmpty, at(key), keys);
  }

  bool get_bool(std::string_view key, bool fallback) const {
    const json* v = find(key);
    return v ? read_bool(*v, at(key)) : fallback;
  }
  template <class T>
  T get_uint(std::string_view key, T fallback, uint64_t min = 0,
             uint64_t max = std::numeric_limits<T>::max()) const {
    const json* v = find(key);
    return v ? static_cast<T>(read_uint(*v, at(key), min, max)) : fallback;
  }
  double get_number(std::string_view key, double fallback) const {
    const json* v = find(key);
    return v ? read_number(*v, at(key)) : fallback;
  }
  uint32_t get_seconds(std::string_view key, uint32_t fallback) const {
    const json* v = find(key);
    return v ? read_seconds(*v, at(key)) : fallback;
  }
  std::optional<std::string> get_string(std::string_view key) const {
    const json* v = find(key);
    return v ? std::optional<std::string>(read_string(*v, at(key))) : std::nullopt;
  }
  // One of `choices`, with a suggestion for a misspelt one.
  std::optional<std::string> get_choice(std::string_view key, std::initializer_list<std::string_view> choices) const {
    auto s = get_string(key);
    if (!s) return std::nullopt;
    if (std::find(choices.begin(), choices.end(), *s) == choices.end()) {
      std::string list;
      for (auto c : choices) list += (list.empty() ? "" : ", ") + in_quotes(c);
      fail(at(key), "unknown value " + in_quotes(*s) + did_you_mean(*s, choices) + "; one of " + list);
    }
    return s;
  }

 private:
  const json& j_;
  std::string ptr_;
};

// ---------------------------------------------------------------------------
// Parsing with duplicate keys refused: nlohmann keeps the last of two equal
// keys without a word, which would hide a setting the author believes active.

struct DuplicateKey {
  std::string pointer;
};

class DuplicateKeyCheck {
 public:
  bool operator()(int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        next_element();
        frames_.push_back(Frame{event == json::parse_event_t::object_start, {}, {}, 0});
        break;
      case json::parse_event_t::key: {
        Frame& f = frames_.back();
        f.token = pointer_token(parsed.get<std::string>());
        if (!f.keys.insert(parsed.get<std::string>()).second) throw DuplicateKey{pointer()};
        break;
      }
      case json::parse_event_t::value: next_element(); break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end: frames_.pop_back(); break;
    }
    return true;
  }

 private:
  struct Frame {
    bool object;
    std::set<std::string> keys;
    std::string token;
    std::size_t next_index;
  };

  // Array elements are numbered as they start.
  void next_element() {
    if (!frames_.empty() && !frames_.back().object) frames_.back().token = std::to_string(frames_.back().next_index++);
  }
  std::string pointer() const {
    std::string p;
    for (const auto& f : frames_) p += "/" + f.token;
    return p;
  }

  std::vector<Frame> frames_;
};

// "line L, column C: <message>" from nlohmann's "[json.exception.parse_error.101]
// parse error at line L, column C: <message>" (text input always has a position).
inline std::string syntax_error_text(const json::parse_error& e) {
  std::string what = e.what();
  if (auto bracket = what.find("] "); bracket != std::string::npos) what = what.substr(bracket + 2);
  const std::string_view lead = "parse error at ";
  return what.rfind(lead, 0) == 0 ? what.substr(lead.size()) : what;
}


// The text of a file; nullopt with `why` set when it cannot be read.
inline std::optional<std::string> read_text_file(const std::string& path, std::string& why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    why = "read error";
    return std::nullopt;
  }
  return data;
}

// "SOURCE: /json/pointer: reason" as an Error (no pointer: "SOURCE: reason").
inline core::Error located(std::string_view source, std::string_view pointer, const std::string& reason) {
  std::string where(source);
  if (!pointer.empty()) where += ": " + std::string(pointer);
  return core::make_error(std::move(where), reason);
}

// Parses a document with duplicate keys refused. Errors:
// "SOURCE: /pointer: duplicate key ..." or "SOURCE: line L, column C: ...".
inline core::Result<json> parse_strict(std::string_view text, std::string_view source) {
  try {
    return json::parse(text.begin(), text.end(), DuplicateKeyCheck{});
  } catch (const DuplicateKey& d) {
    return located(source, d.pointer, "duplicate key (each key may appear once in an object)");
  } catch (const json::parse_error& e) {
    return core::make_error(std::string(source), syntax_error_text(e));
  }
}

}  // namespace ikeh::scenario::json_walk
