// SPDX-License-Identifier: Apache-2.0
// Wireshark's key tables: the IKEv2 decryption table (UAT file
// `ikev2_decryption_table`, packet-isakmp.c) read and written, and the ESP SA
// table (UAT file `esp_sa`, packet-ipsec.c) written, so a capture the harness
// produced can be opened in Wireshark with its keys.
//
// ikev2_decryption_table: one CSV row per IKE SA, `#` starts a comment line:
//   SPIi,SPIr,SK_ei,SK_er,"<encryption name>",SK_ai,SK_ar,"<integrity name>"
// SPIs are 16 hex digits, keys plain hex (empty when the algorithm takes
// none), algorithm names exactly as Wireshark 4.0 lists them
// ("AES-CBC-256 [RFC3602]", "HMAC_SHA2_256_128 [RFC4868]").
//
// esp_sa: "IPv4"|"IPv6","<src>","<dst>","0x<SPI>","<encryption name>",
//   "0x<key>","<authentication name>","0x<key>"
// (the ESP names differ from the IKEv2 ones: "AES-CBC [RFC3602]").
//
// Keys are Secrets: a table is written only where the user asked for one.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/crypto/kdf.h"
#include "harness/crypto/secret.h"

namespace ikeh::crypto {

// How a table row says the ICV is handled.
enum class IcvCheck : uint8_t {
  Aead,       // the cipher's tag (integrity "NONE [RFC4306]")
  Integ,      // an integrity algorithm: verified
  Unchecked,  // "ANY n-bits of Authentication [No Checking]": n bits skipped
};

// One Wireshark IKEv2 encryption name and what it stands for.
struct WiresharkEncr {
  std::string_view name;     // "AES-GCM-256 with 16 octet ICV [RFC5282]"
  EncrId id;                 // ENCR_AES_GCM_16
  uint16_t key_bits;         // KEY_LENGTH attribute (0 for fixed-size ciphers)
  std::size_t keymat_size;   // bytes of SK_e: key and salt
};

// One Wireshark IKEv2 integrity name.
struct WiresharkInteg {
  std::string_view name;     // "HMAC_SHA2_256_128 [RFC4868]"
  IcvCheck check;            // Aead for "NONE", Unchecked for the "ANY" rows
  IntegId id;                // AUTH_NONE for "NONE" and the "ANY" rows
  std::size_t key_size;      // bytes of SK_a
  std::size_t icv_size;      // ICV bytes (0 for "NONE": the cipher's tag)
};

// Every name Wireshark 4.0's IKEv2 table offers, in its order.
std::span<const WiresharkEncr> wireshark_ikev2_encr();
std::span<const WiresharkInteg> wireshark_ikev2_integ();

// One IKE SA's keys.
struct KeyTableEntry {
  uint64_t spi_i = 0;
  uint64_t spi_r = 0;
  Secret sk_ei, sk_er, sk_ai, sk_ar;
  const WiresharkEncr* encr = nullptr;
  const WiresharkInteg* integ = nullptr;
  std::size_t line = 0;  // 1-based line in the file it was read from (0: built)

  // The transforms to hand to unprotect(): integ is set only for
  // IcvCheck::Integ. The PRF is irrelevant to SK protection and left at its
  // default. Errors come from encr_info/integ_info.
  core::Result<KeySuite> suite() const;
  // The four SK_e/SK_a keys as IkeSaKeys (SK_d, SK_pi, SK_pr empty), ready
  // for keys_for().
  IkeSaKeys ike_sa_keys() const;
  // ICV length in bytes for either check kind (tag, integrity or unchecked).
  std::size_t icv_size() const;
};

struct KeyTable {
  std::vector<KeyTableEntry> entries;
  // The entry for an IKE SA, or null. SPIs of all zeros never match.
  const KeyTableEntry* find(uint64_t spi_i, uint64_t spi_r) const;
};

// Parses table text. `file` names the source in errors, which are one line:
// "FILE:LINE: <what is wrong>" (wrong field count, bad hex, unknown algorithm
// name with a did-you-mean, a key length that does not fit the algorithm, a
// duplicate SPI pair). The placeholder row of Wireshark's template (NULL /
// NONE) is kept like any other: a capture simply never matches it. Never
// throws.
core::Result<KeyTable> parse_key_table(std::string_view text, const std::string& file);
// Reads and parses a file; "FILE: cannot read: <reason>" when it cannot be read.
core::Result<KeyTable> read_key_table(const std::string& path);

// The Wireshark names for a negotiated suite: errors name the transform
// Wireshark's IKEv2 table cannot express ("ENCR_CHACHA20_POLY1305 has no
// Wireshark IKEv2 decryption name").
core::Result<KeyTableEntry> make_key_table_entry(uint64_t spi_i, uint64_t spi_r, const KeySuite& suite,
                                                 const IkeSaKeys& keys);

// One row, without a newline, in the format parse_key_table() reads.
std::string format_key_table_row(const KeyTableEntry& e);
// A whole file: the comment line Wireshark writes, then one row per entry.
std::string format_key_table(std::span<const KeyTableEntry> entries);

// One direction of a Child SA (ESP), as Wireshark's esp_sa UAT wants it.
struct EspSaEntry {
  std::string src;  // IPv4 or IPv6 text; both the same family
  std::string dst;
  uint32_t spi = 0;
  EncrInfo encr;
  std::optional<IntegInfo> integ;  // empty for AEAD
  Secret encr_key;                 // key | salt (RFC 4106 / RFC 3686 nonce)
  Secret integ_key;
};

// One esp_sa row. Errors: a cipher or integrity transform Wireshark's ESP
// table has no name for, key sizes that do not fit, mixed address families.
core::Result<std::string> format_esp_sa_row(const EspSaEntry& e);

}  // namespace ikeh::crypto
