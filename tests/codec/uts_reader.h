// SPDX-License-Identifier: Apache-2.0
// Reads byte strings out of a UTscapy test file (scapy's *.uts) at test time.
//
// Scapy's test data is GPL-licensed, so it is never copied into this
// repository: tests open the shared copy under IKEH_SHARED_DIR, pick a test
// block by its "= Title" line and take the Python bytes or hex literals they
// need from it. The reader understands just enough Python to do that
// reliably: comments, single- and triple-quoted strings with prefixes, and
// the escapes Python's bytes literals use.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/bytes.h"

namespace ikeh::testing {

class UtsFile {
 public:
  // Loads the whole file; nullopt when it cannot be read.
  static std::optional<UtsFile> load(const std::string& path);

  // The body of the test whose header line is "= <title>" (surrounding
  // blanks ignored), up to the next test ("=") or section ("+") line; nullopt
  // when no test has that title.
  std::optional<std::string> block(std::string_view title) const;

  // 1-based line number of the test header, 0 when absent (for messages).
  std::size_t line_of(std::string_view title) const;

 private:
  std::vector<std::string> lines_;
};

// The n-th (0-based) Python bytes literal (b'...', b"...", rb'...', triple
// quoted too) in `code`, with escapes decoded: \xHH, \n, \r, \t, \\, \', \",
// \a, \b, \f, \v, \0-\777 octal and backslash-newline. nullopt when there are
// fewer than n+1 bytes literals or the literal is malformed.
std::optional<core::Bytes> bytes_literal(std::string_view code, std::size_t n);

// The n-th (0-based) hex string in `code`: the string literals inside a call
// to unhexlify(...) (binascii.unhexlify('..'), unhexlify(''.join("""..""".split())))
// or fromhex(...) (bytes.fromhex('..')), concatenated, whitespace dropped and
// decoded. nullopt when absent or not valid hex.
std::optional<core::Bytes> hex_literal(std::string_view code, std::size_t n);

// Number of bytes literals / hex strings in `code`.
std::size_t count_bytes_literals(std::string_view code);
std::size_t count_hex_literals(std::string_view code);

}  // namespace ikeh::testing
