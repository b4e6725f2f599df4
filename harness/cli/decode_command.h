// SPDX-License-Identifier: Apache-2.0
// `ikeharness decode`: prints every IKE message of a capture, plus ESP and
// NAT-keepalive datagrams on the IKE ports, as text or JSON lines.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace ikeh::cli {

struct DecodeOptions {
  std::string file;
  bool json = false;
  std::vector<uint16_t> ports{500, 4500};
  std::vector<uint16_t> natt_ports{4500};
  // A Wireshark ikev2_decryption_table: when set, SK/SKF payloads of IKE SAs
  // it has keys for are verified, decrypted and printed (inner payloads).
  std::string keys;
};

// Exit codes (DESIGN "Errors and messages").
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// Runs the command: the report goes to `out`, each problem is one line on
// `err` starting with the file name. Returns kExitOk when every datagram
// decoded, kExitFailed when some did not (or a frame could not be parsed),
// kExitUsage when the file cannot be read as a capture or is damaged (frames
// before the damage are still reported), or when the key table cannot be read
// or has an error ("TABLE:LINE: ..."). With keys, an ICV mismatch is the line
// "FILE: frame N: message M (EXCHANGE request|response): ICV mismatch" and
// makes the result kExitFailed; nothing decrypted is printed for it. Key
// material is never printed. Never throws.
int run_decode(const DecodeOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ikeh::cli
