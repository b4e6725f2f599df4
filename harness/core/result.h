// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace ikeh::core {

// A failure with enough context for a one-line message: where (a path such as
// "SA payload / proposal 1 / transform 2"), which field, the byte offset in the
// input, the reason, and the IKEv2 notify type a responder would answer with
// (0 when none applies).
struct Error {
  std::string where;
  std::string field;
  std::size_t offset = 0;
  bool has_offset = false;
  uint16_t notify = 0;
  std::string reason;

  // "SA payload / proposal 1 at offset 40: field proposal_length: 44 exceeds
  // payload (36 bytes left)". The notify name is added by codec::describe().
  std::string to_string() const;
};

// An Error without an offset: where it happened, why, and the notify a
// responder would send (0: none).
Error make_error(std::string where, std::string reason, uint16_t notify = 0);

// Value or Error, in the spirit of std::expected (C++23). Never throws: value()
// on an error is a programming mistake checked by assert in debug builds.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT(implicit)
  Result(Error error) : v_(std::move(error)) {}        // NOLINT(implicit)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result without a value. A success holds no Error (decoders return one per
// field, so success must cost nothing); error() on a success gives an empty
// Error.
class Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT(implicit)
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    static const Error kNone;
    return error_ ? *error_ : kNone;
  }

 private:
  std::optional<Error> error_;
};

}  // namespace ikeh::core
