// SPDX-License-Identifier: Apache-2.0
// The capture and key writers checked by Wireshark itself: the decrypted
// inner chains of the shared captures are protected again with the same keys
// (fresh IVs) through crypto::protect, written as a pcap with real IPv4/IPv6
// and UDP headers (IKE_SA_INIT on 500, the rest floated to 4500 behind the
// non-ESP marker) plus a key table from our writer, and tshark must decrypt
// every SK payload with a correct checksum and show the AUTH data of
// expected.tsv.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "harness/codec/message.h"
#include "harness/crypto/key_table.h"
#include "harness/crypto/sk.h"
#include "net/capture_reader.h"
#include "reports/pcap_writer.h"

namespace {

namespace fs = std::filesystem;
using namespace ikeh;
using core::Bytes;

const fs::path kData = fs::path(IKEH_SHARED_DIR) / "testdata" / "wireshark-test-captures";
const fs::path kWork = fs::path(IKEH_BINARY_DIR) / "wireshark_keys_test_data";

struct Expected {
  std::string file;
  uint64_t spi_i = 0, spi_r = 0;
  std::string auth_request, auth_response;
};

std::vector<Expected> read_expected() {
  std::vector<Expected> rows;
  std::ifstream in(kData / "expected.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::istringstream s(line);
    std::string cell;
    while (std::getline(s, cell, '\t')) f.push_back(cell);
    if (f.size() < 7) continue;
    rows.push_back({f[0], std::stoull(f[2], nullptr, 16), std::stoull(f[3], nullptr, 16), f[5], f[6]});
  }
  return rows;
}

std::string run(const std::string& cmd, int* rc) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

bool have_tshark() {
  int rc = -1;
  run("command -v tshark >/dev/null 2>&1", &rc);
  return rc == 0;
}

// The key table row the harness can verify with. The shared table describes
// ikev2-decrypt-aes128ccm12-2 as AES-CTR-128 with "ANY 96-bits [No Checking]"
// and SK_e = CCM key | 0x03 | CCM salt (reference notes 3.1); dropping the
// 0x03 octet gives the real AES-CCM-12 keys, which verify.
crypto::KeyTableEntry verifiable(const crypto::KeyTableEntry& e) {
  if (e.integ->check != crypto::IcvCheck::Unchecked) return e;
  crypto::KeyTableEntry ccm = e;
  for (const auto& a : crypto::wireshark_ikev2_encr())
    if (a.name == "AES-CCM-128 with 12 octet ICV [RFC5282]") ccm.encr = &a;
  ccm.integ = &crypto::wireshark_ikev2_integ()[0];
  auto drop_flags = [](const crypto::Secret& s) {
    Bytes b = s.reveal();
    b.erase(b.begin() + 16);
    return crypto::Secret(b);
  };
  ccm.sk_ei = drop_flags(e.sk_ei);
  ccm.sk_er = drop_flags(e.sk_er);
  return ccm;
}

std::string v6_of(const std::string& v4) { return "2001:db8::" + v4.substr(v4.rfind('.') + 1); }

TEST(WiresharkKeys, TsharkDecryptsWhatWeProtectAndWrite) {
  if (!fs::exists(kData)) GTEST_SKIP() << "shared test data not found at " << kData;
  if (!have_tshark()) GTEST_SKIP() << "tshark is not installed: nothing to check our writers against";
  auto table = crypto::read_key_table((kData / "ikev2_decryption_table").string());
  ASSERT_TRUE(table.ok()) << table.error().reason;
  auto expected = read_expected();
  ASSERT_EQ(expected.size(), 8u);

  fs::create_directories(kWork / "config");
  const fs::path pcap = kWork / "reprotected.pcap";
  auto writer = reports::PcapWriter::open(pcap.string());
  ASSERT_TRUE(writer.ok()) << writer.error().reason;
  std::vector<crypto::KeyTableEntry> written_keys;
  std::size_t sk_payloads = 0, floated = 0, written = 0;

  for (std::size_t c = 0; c < expected.size(); ++c) {
    const Expected& x = expected[c];
    SCOPED_TRACE(x.file);
    const auto* row = table->find(x.spi_i, x.spi_r);
    ASSERT_NE(row, nullptr);
    crypto::KeyTableEntry entry = verifiable(*row);
    auto suite = entry.suite();
    ASSERT_TRUE(suite.ok()) << suite.error().to_string();
    auto reader = net::CaptureReader::open((kData / x.file).string());
    ASSERT_TRUE(reader.ok()) << reader.error().reason;
    bool v6 = c % 2 == 1;  // every other capture over IPv6
    net::CaptureFrame f;
    int message = 0;
    while (reader->next(f) == net::ReadStatus::Frame) {
      if (f.kind != net::FrameKind::Datagram || f.datagram.kind != net::DatagramKind::Ike) continue;
      ++message;
      core::BytesView ike = core::BytesView(f.payload).subspan(f.datagram.ike_offset);
      auto m = codec::decode_message(ike);
      ASSERT_TRUE(m.ok()) << codec::describe(m.error());
      Bytes wire(ike.begin(), ike.end());
      if (!m->payloads.empty() && m->payloads.back().type == codec::PayloadType::SK) {
        ++sk_payloads;
        auto keys = crypto::keys_for(entry.ike_sa_keys(), m->header.is_initiator());
        auto opened = crypto::unprotect(*suite, keys, *m, ike);
        ASSERT_TRUE(opened.ok()) << "frame " << f.number << ": " << opened.error().to_string();
        codec::Message again = *m;
        again.header.length.reset();
        again.header.next_payload.reset();
        for (auto& p : again.payloads) {
          p.length.reset();
          p.next_payload.reset();
        }
        auto sealed = crypto::protect(*suite, keys, again, opened->first_inner, opened->inner);
        ASSERT_TRUE(sealed.ok()) << "frame " << f.number << ": " << sealed.error().to_string();
        ASSERT_EQ(sealed->size(), ike.size()) << "frame " << f.number;  // same padding rules, same size
        EXPECT_NE(*sealed, wire) << "frame " << f.number << ": the IV was not renewed";
        wire = std::move(*sealed);
      }
      std::string src = v6 ? v6_of(f.src) : f.src, dst = v6 ? v6_of(f.dst) : f.dst;
      // RFC 7296 2.23: after IKE_SA_INIT a NAT-T peer floats to 4500.
      uint16_t port = message <= 2 ? 500 : 4500;
      floated += port == 4500;
      // The captures come from different days: one second apart keeps the file in order.
      auto st = writer->write_ike({src, port}, {dst, port}, wire, 1700000000 + static_cast<int64_t>(++written), 0);
      ASSERT_TRUE(st.ok()) << st.error().reason;
    }
    auto written = crypto::make_key_table_entry(x.spi_i, x.spi_r, *suite, entry.ike_sa_keys());
    ASSERT_TRUE(written.ok()) << written.error().reason;
    written_keys.push_back(std::move(*written));
  }
  writer = core::Error{};  // flush and close the capture
  {
    std::ofstream keys(kWork / "config" / "ikev2_decryption_table", std::ios::binary);
    keys << crypto::format_key_table(written_keys);
  }
  ASSERT_EQ(sk_payloads, 28u);  // 6 captures with 4 SK messages, 2 with 2

  // Our own reader sees the real headers and the non-ESP marker.
  {
    auto reader = net::CaptureReader::open(pcap.string());
    ASSERT_TRUE(reader.ok());
    net::CaptureFrame f;
    std::size_t marked = 0, v6 = 0;
    while (reader->next(f) == net::ReadStatus::Frame) {
      ASSERT_EQ(f.datagram.kind, net::DatagramKind::Ike) << "frame " << f.number;
      marked += f.datagram.ike_offset == 4 && f.sport == 4500;
      v6 += f.src.find(':') != std::string::npos;
    }
    EXPECT_EQ(marked, floated);
    EXPECT_GT(v6, 0u);
  }

  const std::string env = "WIRESHARK_CONFIG_DIR='" + (kWork / "config").string() + "' ";
  int rc = -1;
  std::string verbose = run(env + "tshark -r '" + pcap.string() + "' -V 2>&1", &rc);
  ASSERT_EQ(rc, 0) << verbose.substr(0, 2000);
  std::regex icd(R"(Integrity Checksum Data: [0-9a-f]+ \(\d+ bytes\)( <[^>]*>)?\[correct\])");
  auto correct = std::distance(std::sregex_iterator(verbose.begin(), verbose.end(), icd), std::sregex_iterator());
  EXPECT_EQ(static_cast<std::size_t>(correct), sk_payloads);
  EXPECT_EQ(verbose.find("[incorrect"), std::string::npos);
  EXPECT_EQ(verbose.find("[not validated]"), std::string::npos);
  EXPECT_EQ(verbose.find("Malformed"), std::string::npos);

  std::string fields = run(env + "tshark -r '" + pcap.string() + "' -T fields -e isakmp.auth.data -Y isakmp.auth.data 2>/dev/null", &rc);
  ASSERT_EQ(rc, 0) << fields;
  std::vector<std::string> auth;
  std::istringstream lines(fields);
  for (std::string l; std::getline(lines, l);) auth.push_back(l);
  ASSERT_EQ(auth.size(), 16u) << fields;
  for (std::size_t c = 0; c < expected.size(); ++c) {
    EXPECT_EQ(auth[2 * c], expected[c].auth_request) << expected[c].file;
    EXPECT_EQ(auth[2 * c + 1], expected[c].auth_response) << expected[c].file;
  }
}

TEST(WiresharkKeys, NonEspMarkerOnlyOnPort4500) {
  fs::create_directories(kWork);
  const fs::path pcap = kWork / "marker.pcap";
  Bytes ike = codec::encode_message(codec::make_message(codec::ExchangeType::IKE_SA_INIT, codec::flags::kInitiator,
                                                        0, 0x1122334455667788ull, 0, {codec::make_nonce(Bytes(32, 7))}));
  {
    auto w = reports::PcapWriter::open(pcap.string());
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(w->write_ike({"10.0.0.1", 500}, {"10.0.0.2", 500}, ike, 1700000000, 0).ok());
    ASSERT_TRUE(w->write_ike({"10.0.0.1", 4500}, {"10.0.0.2", 4500}, ike, 1700000001, 0).ok());
    ASSERT_TRUE(w->write_ike({"2001:db8::1", 4500}, {"2001:db8::2", 500}, ike, 1700000002, 0).ok());
    EXPECT_FALSE(w->write_ike({"10.0.0.1", 4500}, {"2001:db8::2", 500}, ike, 1700000003, 0).ok());
  }
  auto reader = net::CaptureReader::open(pcap.string());
  ASSERT_TRUE(reader.ok());
  net::CaptureFrame f;
  std::vector<std::size_t> offsets, sizes;
  while (reader->next(f) == net::ReadStatus::Frame) {
    ASSERT_EQ(f.datagram.kind, net::DatagramKind::Ike);
    offsets.push_back(f.datagram.ike_offset);
    sizes.push_back(f.payload.size());
  }
  EXPECT_EQ(offsets, (std::vector<std::size_t>{0, 4, 4}));
  EXPECT_EQ(sizes, (std::vector<std::size_t>{ike.size(), ike.size() + 4, ike.size() + 4}));
}

}  // namespace
