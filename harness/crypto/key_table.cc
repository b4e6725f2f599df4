// SPDX-License-Identifier: Apache-2.0
#include "harness/core/edit_distance.h"
#include "harness/crypto/key_table.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

namespace ikeh::crypto {

namespace {

using core::Error;

// Wireshark 4.0 packet-isakmp.c, ikev2_encr_algs: the UAT value names and the
// SK_e sizes its update callback demands (key, then the RFC 5930 / RFC 5282
// nonce salt: 4 octets for CTR and GCM, 3 for CCM).
constexpr std::array<WiresharkEncr, 26> kEncr{{
    {"NULL [RFC2410]", EncrId::ENCR_NULL, 0, 0},
    {"3DES [RFC2451]", EncrId::ENCR_3DES, 0, 24},
    {"AES-CBC-128 [RFC3602]", EncrId::ENCR_AES_CBC, 128, 16},
    {"AES-CBC-192 [RFC3602]", EncrId::ENCR_AES_CBC, 192, 24},
    {"AES-CBC-256 [RFC3602]", EncrId::ENCR_AES_CBC, 256, 32},
    {"AES-CTR-128 [RFC5930]", EncrId::ENCR_AES_CTR, 128, 20},
    {"AES-CTR-192 [RFC5930]", EncrId::ENCR_AES_CTR, 192, 28},
    {"AES-CTR-256 [RFC5930]", EncrId::ENCR_AES_CTR, 256, 36},
    {"AES-GCM-128 with 8 octet ICV [RFC5282]", EncrId::ENCR_AES_GCM_8, 128, 20},
    {"AES-GCM-192 with 8 octet ICV [RFC5282]", EncrId::ENCR_AES_GCM_8, 192, 28},
    {"AES-GCM-256 with 8 octet ICV [RFC5282]", EncrId::ENCR_AES_GCM_8, 256, 36},
    {"AES-GCM-128 with 12 octet ICV [RFC5282]", EncrId::ENCR_AES_GCM_12, 128, 20},
    {"AES-GCM-192 with 12 octet ICV [RFC5282]", EncrId::ENCR_AES_GCM_12, 192, 28},
    {"AES-GCM-256 with 12 octet ICV [RFC5282]", EncrId::ENCR_AES_GCM_12, 256, 36},
    {"AES-GCM-128 with 16 octet ICV [RFC5282]", EncrId::ENCR_AES_GCM_16, 128, 20},
    {"AES-GCM-192 with 16 octet ICV [RFC5282]", EncrId::ENCR_AES_GCM_16, 192, 28},
    {"AES-GCM-256 with 16 octet ICV [RFC5282]", EncrId::ENCR_AES_GCM_16, 256, 36},
    {"AES-CCM-128 with 8 octet ICV [RFC5282]", EncrId::ENCR_AES_CCM_8, 128, 19},
    {"AES-CCM-192 with 8 octet ICV [RFC5282]", EncrId::ENCR_AES_CCM_8, 192, 27},
    {"AES-CCM-256 with 8 octet ICV [RFC5282]", EncrId::ENCR_AES_CCM_8, 256, 35},
    {"AES-CCM-128 with 12 octet ICV [RFC5282]", EncrId::ENCR_AES_CCM_12, 128, 19},
    {"AES-CCM-192 with 12 octet ICV [RFC5282]", EncrId::ENCR_AES_CCM_12, 192, 27},
    {"AES-CCM-256 with 12 octet ICV [RFC5282]", EncrId::ENCR_AES_CCM_12, 256, 35},
    {"AES-CCM-128 with 16 octet ICV [RFC5282]", EncrId::ENCR_AES_CCM_16, 128, 19},
    {"AES-CCM-192 with 16 octet ICV [RFC5282]", EncrId::ENCR_AES_CCM_16, 192, 27},
    {"AES-CCM-256 with 16 octet ICV [RFC5282]", EncrId::ENCR_AES_CCM_16, 256, 35},
}};

// Wireshark 4.0 packet-isakmp.c, ikev2_auth_algs. The "ANY" rows tell it how
// many ICV bits to skip without an algorithm to check them with.
constexpr std::array<WiresharkInteg, 14> kInteg{{
    {"NONE [RFC4306]", IcvCheck::Aead, IntegId::AUTH_NONE, 0, 0},
    {"HMAC_MD5_96 [RFC2403]", IcvCheck::Integ, IntegId::AUTH_HMAC_MD5_96, 16, 12},
    {"HMAC_SHA1_96 [RFC2404]", IcvCheck::Integ, IntegId::AUTH_HMAC_SHA1_96, 20, 12},
    {"HMAC_MD5_128 [RFC4595]", IcvCheck::Integ, IntegId::AUTH_HMAC_MD5_128, 16, 16},
    {"HMAC_SHA1_160 [RFC4595]", IcvCheck::Integ, IntegId::AUTH_HMAC_SHA1_160, 20, 20},
    {"HMAC_SHA2_256_128 [RFC4868]", IcvCheck::Integ, IntegId::AUTH_HMAC_SHA2_256_128, 32, 16},
    {"HMAC_SHA2_384_192 [RFC4868]", IcvCheck::Integ, IntegId::AUTH_HMAC_SHA2_384_192, 48, 24},
    {"HMAC_SHA2_512_256 [RFC4868]", IcvCheck::Integ, IntegId::AUTH_HMAC_SHA2_512_256, 64, 32},
    {"ANY 64-bits of Authentication [No Checking]", IcvCheck::Unchecked, IntegId::AUTH_NONE, 0, 8},
    {"ANY 96-bits of Authentication [No Checking]", IcvCheck::Unchecked, IntegId::AUTH_NONE, 0, 12},
    {"ANY 128-bits of Authentication [No Checking]", IcvCheck::Unchecked, IntegId::AUTH_NONE, 0, 16},
    {"ANY 160-bits of Authentication [No Checking]", IcvCheck::Unchecked, IntegId::AUTH_NONE, 0, 20},
    {"ANY 192-bits of Authentication [No Checking]", IcvCheck::Unchecked, IntegId::AUTH_NONE, 0, 24},
    {"ANY 256-bits of Authentication [No Checking]", IcvCheck::Unchecked, IntegId::AUTH_NONE, 0, 32},
}};

constexpr const char* kFieldNames[8] = {"SPIi", "SPIr", "SK_ei", "SK_er", "encryption algorithm",
                                         "SK_ai", "SK_ar", "integrity algorithm"};

Error fail(std::string reason) {
  Error e;
  e.reason = std::move(reason);
  return e;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

using core::edit_distance;

// The known name closest to `given`, compared without case and with the
// "[RFC...]" suffix optional (people type "AES-CBC-256").
template <class T>
std::string did_you_mean(std::string_view given, std::span<const T> known) {
  std::string g = lower(given);
  std::string best;
  std::size_t best_d = std::string::npos;
  for (const auto& k : known) {
    std::string n = lower(k.name);
    std::string bare = n.substr(0, n.find(" ["));
    std::size_t d = std::min(edit_distance(g, n), edit_distance(g, bare));
    if (d < best_d) {
      best_d = d;
      best = std::string(k.name);
    }
  }
  if (best_d > std::max<std::size_t>(3, g.size() / 3)) return {};
  return " (did you mean \"" + best + "\"?)";
}

// Splits one UAT line into fields. Quoted fields may hold commas and use the
// UAT's backslash escapes (\\, \", \xNN).
std::optional<std::vector<std::string>> split_fields(std::string_view line, std::string& why) {
  std::vector<std::string> fields;
  std::size_t i = 0;
  for (;;) {
    std::string f;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        char c = line[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && i < line.size()) {
          char e = line[i++];
          if (e == 'x' && i + 1 < line.size() && std::isxdigit(static_cast<unsigned char>(line[i])) &&
              std::isxdigit(static_cast<unsigned char>(line[i + 1]))) {
            f.push_back(static_cast<char>(std::stoi(std::string(line.substr(i, 2)), nullptr, 16)));
            i += 2;
          } else {
            f.push_back(e);
          }
          continue;
        }
        f.push_back(c);
      }
      if (!closed) {
        why = "field " + std::to_string(fields.size() + 1) + ": the quote is not closed";
        return std::nullopt;
      }
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] != ',') {
        why = "field " + std::to_string(fields.size() + 1) + ": text after the closing quote";
        return std::nullopt;
      }
    } else {
      std::size_t end = line.find(',', i);
      if (end == std::string_view::npos) end = line.size();
      std::string_view raw = line.substr(i, end - i);
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t')) raw.remove_suffix(1);
      f = std::string(raw);
      i = end;
    }
    fields.push_back(std::move(f));
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return fields;
}

// Hex digits only (no separators): the table is written by machines.
std::optional<Bytes> parse_hex(std::string_view text, const char* field, std::string& why) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!std::isxdigit(static_cast<unsigned char>(text[i]))) {
      why = std::string(field) + ": '" + text[i] + "' at character " + std::to_string(i + 1) + " is not a hex digit";
      return std::nullopt;
    }
  }
  if (text.size() % 2) {
    why = std::string(field) + ": odd number of hex digits (" + std::to_string(text.size()) + ")";
    return std::nullopt;
  }
  auto b = core::from_hex(text);
  if (!b) {
    why = std::string(field) + ": not hex";
    return std::nullopt;
  }
  return b;
}

std::optional<uint64_t> parse_spi(std::string_view text, const char* field, std::string& why) {
  auto b = parse_hex(text, field, why);
  if (!b) return std::nullopt;
  if (b->size() != 8) {
    why = std::string(field) + ": an SPI is 16 hex digits, got " + std::to_string(text.size());
    return std::nullopt;
  }
  uint64_t v = 0;
  for (uint8_t x : *b) v = v << 8 | x;
  return v;
}

std::string hex_of(const Secret& s) { return core::to_hex(s.view()); }

std::string spi_hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

std::span<const WiresharkEncr> wireshark_ikev2_encr() { return kEncr; }
std::span<const WiresharkInteg> wireshark_ikev2_integ() { return kInteg; }

core::Result<KeySuite> KeyTableEntry::suite() const {
  if (!encr || !integ) return fail("key table entry without algorithms");
  std::optional<uint16_t> bits;
  if (encr->key_bits) bits = encr->key_bits;
  auto e = encr_info(encr->id, bits);
  if (!e) return e.error();
  KeySuite s;
  s.encr = std::move(*e);
  if (integ->check == IcvCheck::Integ) {
    auto i = integ_info(integ->id);
    if (!i) return i.error();
    s.integ = std::move(*i);
  }
  return s;
}

IkeSaKeys KeyTableEntry::ike_sa_keys() const {
  IkeSaKeys k;
  k.sk_ei = sk_ei;
  k.sk_er = sk_er;
  k.sk_ai = sk_ai;
  k.sk_ar = sk_ar;
  return k;
}

std::size_t KeyTableEntry::icv_size() const {
  if (!integ) return 0;
  if (integ->check == IcvCheck::Aead) {
    // The tag size is in the cipher's name: "... with N octet ICV".
    switch (encr ? encr->id : EncrId::ENCR_NULL) {
      case EncrId::ENCR_AES_GCM_8:
      case EncrId::ENCR_AES_CCM_8: return 8;
      case EncrId::ENCR_AES_GCM_12:
      case EncrId::ENCR_AES_CCM_12: return 12;
      case EncrId::ENCR_AES_GCM_16:
      case EncrId::ENCR_AES_CCM_16: return 16;
      default: return 0;
    }
  }
  return integ->icv_size;
}

const KeyTableEntry* KeyTable::find(uint64_t spi_i, uint64_t spi_r) const {
  for (const auto& e : entries)
    if (e.spi_i == spi_i && e.spi_r == spi_r) return &e;
  return nullptr;
}

core::Result<KeyTable> parse_key_table(std::string_view text, const std::string& file) {
  KeyTable table;
  std::set<std::pair<uint64_t, uint64_t>> seen;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;

    auto where = [&](const std::string& what) { return fail(file + ":" + std::to_string(line_no) + ": " + what); };
    std::string why;
    auto fields = split_fields(line, why);
    if (!fields) return where(why);
    if (fields->size() != 8) {
      return where(std::to_string(fields->size()) + (fields->size() == 1 ? " field" : " fields") +
                   ", a row needs 8 (SPIi,SPIr,SK_ei,SK_er,\"encryption\",SK_ai,SK_ar,\"integrity\")");
    }
    const auto& f = *fields;
    KeyTableEntry e;
    e.line = line_no;
    auto spi_i = parse_spi(f[0], kFieldNames[0], why);
    if (!spi_i) return where(why);
    auto spi_r = parse_spi(f[1], kFieldNames[1], why);
    if (!spi_r) return where(why);
    e.spi_i = *spi_i;
    e.spi_r = *spi_r;
    std::optional<Bytes> keys[4];
    const int key_fields[4] = {2, 3, 5, 6};
    for (int k = 0; k < 4; ++k) {
      keys[k] = parse_hex(f[key_fields[k]], kFieldNames[key_fields[k]], why);
      if (!keys[k]) return where(why);
    }
    for (const auto& a : kEncr)
      if (a.name == f[4]) e.encr = &a;
    if (!e.encr) {
      return where("unknown encryption algorithm \"" + f[4] + "\"" +
                   did_you_mean(f[4], std::span<const WiresharkEncr>(kEncr)));
    }
    for (const auto& a : kInteg)
      if (a.name == f[7]) e.integ = &a;
    if (!e.integ) {
      return where("unknown integrity algorithm \"" + f[7] + "\"" +
                   did_you_mean(f[7], std::span<const WiresharkInteg>(kInteg)));
    }
    bool aead = e.encr->name.find(" octet ICV") != std::string_view::npos;
    if (aead && e.integ->check != IcvCheck::Aead) {
      return where("\"" + f[4] + "\" carries its own ICV: the integrity algorithm must be \"NONE [RFC4306]\", got \"" +
                   f[7] + "\"");
    }
    if (!aead && e.integ->check == IcvCheck::Aead && e.encr->id != EncrId::ENCR_NULL) {
      return where("\"" + f[4] + "\" needs an integrity algorithm (or \"ANY n-bits of Authentication [No Checking]\")");
    }
    for (int k = 0; k < 2; ++k) {
      if (keys[k]->size() != e.encr->keymat_size) {
        return where(std::string(kFieldNames[2 + k]) + " is " + std::to_string(keys[k]->size()) + " bytes, " +
                     std::string(e.encr->name) + " needs " + std::to_string(e.encr->keymat_size));
      }
    }
    for (int k = 2; k < 4; ++k) {
      if (keys[k]->size() != e.integ->key_size) {
        return where(std::string(kFieldNames[3 + k]) + " is " + std::to_string(keys[k]->size()) + " bytes, " +
                     std::string(e.integ->name) + " needs " + std::to_string(e.integ->key_size));
      }
    }
    if (!seen.insert({e.spi_i, e.spi_r}).second) {
      return where("SPIs " + f[0] + "," + f[1] + " already have a row");
    }
    e.sk_ei = Secret(*keys[0]);
    e.sk_er = Secret(*keys[1]);
    e.sk_ai = Secret(*keys[2]);
    e.sk_ar = Secret(*keys[3]);
    // The parsed copies held key bytes: wipe them the way Secret would.
    for (auto& k : keys) std::fill(k->begin(), k->end(), uint8_t{0});
    table.entries.push_back(std::move(e));
  }
  return table;
}

core::Result<KeyTable> read_key_table(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path + ": cannot read: no such file or not readable");
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return fail(path + ": cannot read: I/O error");
  return parse_key_table(s.str(), path);
}

core::Result<KeyTableEntry> make_key_table_entry(uint64_t spi_i, uint64_t spi_r, const KeySuite& suite,
                                                 const IkeSaKeys& keys) {
  KeyTableEntry e;
  e.spi_i = spi_i;
  e.spi_r = spi_r;
  for (const auto& a : kEncr) {
    if (a.id == suite.encr.id && (a.key_bits == 0 || a.key_bits == suite.encr.key_bits)) e.encr = &a;
  }
  if (!e.encr) {
    return fail(suite.encr.name + " has no Wireshark IKEv2 decryption name");
  }
  if (suite.integ) {
    for (const auto& a : kInteg)
      if (a.check == IcvCheck::Integ && a.id == suite.integ->id) e.integ = &a;
    if (!e.integ) return fail(suite.integ->name + " has no Wireshark IKEv2 decryption name");
  } else if (suite.encr.aead || suite.encr.id == EncrId::ENCR_NULL) {
    e.integ = &kInteg[0];
  } else {
    return fail(suite.encr.name + " without an integrity transform cannot be written to the key table");
  }
  e.sk_ei = keys.sk_ei;
  e.sk_er = keys.sk_er;
  e.sk_ai = keys.sk_ai;
  e.sk_ar = keys.sk_ar;
  auto size_error = [&](const char* field, std::size_t got, std::size_t want, std::string_view algo) {
    return fail(std::string(field) + " is " + std::to_string(got) + " bytes, " + std::string(algo) + " needs " +
                std::to_string(want));
  };
  if (e.sk_ei.size() != e.encr->keymat_size) return size_error("SK_ei", e.sk_ei.size(), e.encr->keymat_size, e.encr->name);
  if (e.sk_er.size() != e.encr->keymat_size) return size_error("SK_er", e.sk_er.size(), e.encr->keymat_size, e.encr->name);
  if (e.sk_ai.size() != e.integ->key_size) return size_error("SK_ai", e.sk_ai.size(), e.integ->key_size, e.integ->name);
  if (e.sk_ar.size() != e.integ->key_size) return size_error("SK_ar", e.sk_ar.size(), e.integ->key_size, e.integ->name);
  return e;
}

std::string format_key_table_row(const KeyTableEntry& e) {
  std::string s = spi_hex(e.spi_i) + "," + spi_hex(e.spi_r) + "," + hex_of(e.sk_ei) + "," + hex_of(e.sk_er) + ",\"";
  s += e.encr ? e.encr->name : std::string_view("NULL [RFC2410]");
  s += "\"," + hex_of(e.sk_ai) + "," + hex_of(e.sk_ar) + ",\"";
  s += e.integ ? e.integ->name : std::string_view("NONE [RFC4306]");
  s += "\"";
  return s;
}

std::string format_key_table(std::span<const KeyTableEntry> entries) {
  // The line Wireshark itself writes at the top of a UAT file.
  std::string s = "# This file is automatically generated, DO NOT MODIFY.\n";
  for (const auto& e : entries) s += format_key_table_row(e) + "\n";
  return s;
}

core::Result<std::string> format_esp_sa_row(const EspSaEntry& e) {
  bool v6 = e.src.find(':') != std::string::npos;
  if (v6 != (e.dst.find(':') != std::string::npos)) {
    return fail("ESP SA " + e.src + " -> " + e.dst + ": source and destination families differ");
  }
  // Wireshark 4.0 packet-ipsec.c esp_encryption_type_vals; the key length
  // picks the AES variant, so one name covers 128/192/256.
  std::string_view encr;
  switch (e.encr.id) {
    case EncrId::ENCR_NULL: encr = "NULL"; break;
    case EncrId::ENCR_3DES: encr = "TripleDES-CBC [RFC2451]"; break;
    case EncrId::ENCR_AES_CBC: encr = "AES-CBC [RFC3602]"; break;
    case EncrId::ENCR_AES_CTR: encr = "AES-CTR [RFC3686]"; break;
    case EncrId::ENCR_DES: encr = "DES-CBC [RFC2405]"; break;
    case EncrId::ENCR_CAST: encr = "CAST5-CBC [RFC2144]"; break;
    case EncrId::ENCR_BLOWFISH: encr = "BLOWFISH-CBC [RFC2451]"; break;
    case EncrId::ENCR_AES_GCM_8: encr = "AES-GCM with 8 octet ICV [RFC4106]"; break;
    case EncrId::ENCR_AES_GCM_12: encr = "AES-GCM with 12 octet ICV [RFC4106]"; break;
    case EncrId::ENCR_AES_GCM_16: encr = "AES-GCM with 16 octet ICV [RFC4106]"; break;
    default: return fail(e.encr.name + " has no Wireshark ESP decryption name");
  }
  std::string_view auth = "NULL";
  if (e.integ) {
    switch (e.integ->id) {
      case IntegId::AUTH_HMAC_SHA1_96: auth = "HMAC-SHA-1-96 [RFC2404]"; break;
      case IntegId::AUTH_HMAC_SHA2_256_128: auth = "HMAC-SHA-256-128 [RFC4868]"; break;
      case IntegId::AUTH_HMAC_SHA2_384_192: auth = "HMAC-SHA-384-192 [RFC4868]"; break;
      case IntegId::AUTH_HMAC_SHA2_512_256: auth = "HMAC-SHA-512-256 [RFC4868]"; break;
      case IntegId::AUTH_HMAC_MD5_96: auth = "HMAC-MD5-96 [RFC2403]"; break;
      default: return fail(e.integ->name + " has no Wireshark ESP authentication name");
    }
    if (e.integ_key.size() != e.integ->key_size) {
      return fail("ESP SA 0x" + spi_hex(e.spi).substr(8) + ": integrity key is " + std::to_string(e.integ_key.size()) +
                  " bytes, " + e.integ->name + " needs " + std::to_string(e.integ->key_size));
    }
  } else if (!e.encr.aead && e.encr.id != EncrId::ENCR_NULL) {
    return fail("ESP SA 0x" + spi_hex(e.spi).substr(8) + ": " + e.encr.name + " needs an integrity transform");
  }
  if (e.encr_key.size() != e.encr.keymat_size()) {
    return fail("ESP SA 0x" + spi_hex(e.spi).substr(8) + ": encryption key is " + std::to_string(e.encr_key.size()) +
                " bytes, " + e.encr.name + " needs " + std::to_string(e.encr.keymat_size()));
  }
  std::string s = v6 ? "\"IPv6\"" : "\"IPv4\"";
  s += ",\"" + e.src + "\",\"" + e.dst + "\",\"0x" + spi_hex(e.spi).substr(8) + "\",\"" + std::string(encr) +
       "\",\"0x" + hex_of(e.encr_key) + "\",\"" + std::string(auth) + "\",\"0x" + hex_of(e.integ_key) + "\"";
  return s;
}

}  // namespace ikeh::crypto
