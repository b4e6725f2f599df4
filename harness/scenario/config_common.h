// SPDX-License-Identifier: Apache-2.0
// Pieces both configuration loaders (engine_config.cc, flexvpn_config.cc)
// read alike: addresses, paths relative to the configuration file, the shape
// of a secret reference and the reading of a configuration file. Internal to
// harness/scenario.
#pragma once

#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "harness/core/bytes.h"
#include "harness/core/result.h"
#include "harness/scenario/json_walk.h"

namespace ikeh::scenario::config_common {

// ===========================================================================
// Addresses

inline std::optional<core::Bytes> parse_ipv4(std::string_view s) {
  core::Bytes b(4);
  if (inet_pton(AF_INET, std::string(s).c_str(), b.data()) != 1) return std::nullopt;
  return b;
}

inline std::optional<core::Bytes> parse_ipv6(std::string_view s) {
  core::Bytes b(16);
  if (inet_pton(AF_INET6, std::string(s).c_str(), b.data()) != 1) return std::nullopt;
  return b;
}

// The first `prefix` bits of `addr` kept (network) or set (last address).
inline core::Bytes apply_prefix(const core::Bytes& addr, unsigned prefix, bool set_host_bits) {
  core::Bytes out = addr;
  for (std::size_t i = 0; i < out.size(); ++i) {
    unsigned bits_here = prefix >= 8 * (i + 1) ? 8 : (prefix > 8 * i ? prefix - 8 * i : 0);
    uint8_t mask = static_cast<uint8_t>(bits_here == 0 ? 0 : (0xFF << (8 - bits_here)) & 0xFF);
    out[i] = set_host_bits ? static_cast<uint8_t>(out[i] | ~mask) : static_cast<uint8_t>(out[i] & mask);
  }
  return out;
}

// ===========================================================================
// Files and secrets

struct Ctx {
  std::string base_dir;
};

// A path from the configuration, relative ones taken from the file's folder.
inline std::string resolve(const Ctx& ctx, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_absolute() || ctx.base_dir.empty()) return path;
  return (std::filesystem::path(ctx.base_dir) / p).string();
}

// The object of a secret reference, {"env": "VARIABLE"} or {"file": "path"},
// with exactly one of the two keys; a secret written in place (an object with
// "value", or not an object at all) is refused. `what` names it in errors
// ("PSK", "key password"). The returned Obj refers to `j`.
inline json_walk::Obj secret_ref_object(const nlohmann::json& j, const std::string& ptr, std::string_view what) {
  using namespace json_walk;
  const std::string hint = "use {\"env\": \"VARIABLE\"} or {\"file\": \"path\"}";
  if (!j.is_object())
    fail(ptr, "expected an object, got " + type_phrase(j) + ": a " + std::string(what) +
                  " is never written into the configuration; " + hint);
  if (j.contains("value"))
    fail(child_pointer(ptr, "value"), "a " + std::string(what) +
                                          " is never written into the configuration, where it would end up in "
                                          "copies, logs and version control; " + hint);
  Obj o(j, ptr, {"env", "file"});
  if (o.has("env") == o.has("file")) fail(ptr, "give exactly one of \"env\" and \"file\"");
  return o;
}

// A configuration file's text and the folder its relative paths start from
// ("." for a bare file name).
struct ConfigFile {
  std::string text;
  std::string base_dir;
};

// Error: "PATH: cannot read: <why>".
inline core::Result<ConfigFile> read_config_file(const std::string& path) {
  std::string why;
  auto text = json_walk::read_text_file(path, why);
  if (!text) return core::make_error(path, "cannot read: " + why);
  std::string dir = std::filesystem::path(path).parent_path().string();
  return ConfigFile{std::move(*text), dir.empty() ? "." : dir};
}

}  // namespace ikeh::scenario::config_common
