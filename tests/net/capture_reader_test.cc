// SPDX-License-Identifier: Apache-2.0
#include "net/capture_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "harness/codec/message.h"
#include "reports/pcap_writer.h"

namespace ikeh::net {
namespace {

namespace fs = std::filesystem;

const fs::path kCaptures = fs::path(IKEH_SHARED_DIR) / "testdata" / "wireshark-test-captures";

// Frame counts from expected.tsv, keyed by file name.
std::map<std::string, int> expected_frames() {
  std::map<std::string, int> out;
  std::ifstream in(kCaptures / "expected.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream row(line);
    std::string file, frames;
    std::getline(row, file, '\t');
    std::getline(row, frames, '\t');
    out[file] = std::stoi(frames);
  }
  return out;
}

std::vector<CaptureFrame> read_all(const std::string& path, ReadStatus* last = nullptr, std::string* failure = nullptr) {
  std::vector<CaptureFrame> frames;
  auto r = CaptureReader::open(path);
  EXPECT_TRUE(r.ok()) << path << ": " << (r.ok() ? "" : r.error().reason);
  if (!r) return frames;
  CaptureFrame f;
  ReadStatus st;
  while ((st = r->next(f)) == ReadStatus::Frame) frames.push_back(f);
  if (last) *last = st;
  if (failure) *failure = r->failure();
  return frames;
}

fs::path temp_path(const std::string& name) {
  return fs::temp_directory_path() / ("ikeh_net_" + std::to_string(::getpid()) + "_" + name);
}

TEST(CaptureReader, EverySharedCaptureDecodes) {
  if (!fs::exists(kCaptures)) GTEST_SKIP() << "shared test data not found at " << kCaptures;
  auto expected = expected_frames();
  ASSERT_EQ(expected.size(), 8u);
  for (const auto& [file, count] : expected) {
    SCOPED_TRACE(file);
    ReadStatus last{};
    auto frames = read_all((kCaptures / file).string(), &last);
    EXPECT_EQ(last, ReadStatus::End);
    ASSERT_EQ(frames.size(), static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const auto& f = frames[i];
      EXPECT_EQ(f.number, i + 1);
      ASSERT_EQ(f.kind, FrameKind::Datagram);
      EXPECT_EQ(f.sport, 500);
      EXPECT_EQ(f.dport, 500);
      EXPECT_TRUE(f.src == "192.168.1.2" || f.src == "192.168.1.14") << f.src;
      EXPECT_GT(f.seconds, 1400000000);
      ASSERT_EQ(f.datagram.kind, DatagramKind::Ike);
      auto m = codec::decode_message(f.payload);
      EXPECT_TRUE(m.ok()) << "frame " << f.number << ": " << (m.ok() ? "" : codec::describe(m.error()));
    }
  }
}

TEST(CaptureReader, PcapngTimestampsKeepMicroseconds) {
  if (!fs::exists(kCaptures)) GTEST_SKIP() << "shared test data not found at " << kCaptures;
  auto frames = read_all((kCaptures / "ikev2-decrypt-aes256cbc.pcapng").string());
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_EQ(frames[0].seconds, 1471308065);
  EXPECT_EQ(frames[0].microseconds, 281055u);
}

struct LinkCase {
  reports::LinkType link;
  const char* a;
  const char* b;
};

class LinkTypes : public ::testing::TestWithParam<LinkCase> {};

TEST_P(LinkTypes, WrittenDatagramsReadBack) {
  const auto& c = GetParam();
  auto path = temp_path("link.pcap");
  {
    auto w = reports::PcapWriter::open(path.string(), c.link);
    ASSERT_TRUE(w.ok());
    core::Bytes ike(40, 0x11);
    ASSERT_TRUE(w->write_udp({c.a, 500}, {c.b, 500}, ike, 1000, 5));
    ASSERT_TRUE(w->write_udp({c.b, 4500}, {c.a, 4500}, core::Bytes{0xff}, 1001, 6));
    ASSERT_TRUE(w->write_udp({c.a, 53}, {c.b, 53}, core::Bytes{1, 2, 3}, 1002, 7));
  }
  auto frames = read_all(path.string());
  fs::remove(path);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].kind, FrameKind::Datagram);
  EXPECT_EQ(frames[0].src, c.a);
  EXPECT_EQ(frames[0].dst, c.b);
  EXPECT_EQ(frames[0].payload, core::Bytes(40, 0x11));
  EXPECT_EQ(frames[0].seconds, 1000);
  EXPECT_EQ(frames[0].microseconds, 5u);
  EXPECT_EQ(frames[1].kind, FrameKind::Datagram);
  EXPECT_EQ(frames[1].datagram.kind, DatagramKind::NatKeepalive);
  EXPECT_EQ(frames[1].payload.size(), 1u) << "link padding must not reach the payload";
  EXPECT_EQ(frames[2].kind, FrameKind::Other);
  EXPECT_EQ(frames[2].number, 3u);
}

std::string link_case_name(const ::testing::TestParamInfo<LinkCase>& info) {
  static const char* const kNames[] = {"Ethernet", "LinuxCooked", "RawIp", "Null"};
  return std::string(kNames[static_cast<int>(info.param.link)]) +
         (std::string(info.param.a).find(':') != std::string::npos ? "Ipv6" : "Ipv4");
}

INSTANTIATE_TEST_SUITE_P(
    All, LinkTypes,
    ::testing::Values(LinkCase{reports::LinkType::Ethernet, "10.0.0.1", "10.0.0.2"},
                      LinkCase{reports::LinkType::LinuxCooked, "10.0.0.1", "10.0.0.2"},
                      LinkCase{reports::LinkType::RawIp, "10.0.0.1", "10.0.0.2"},
                      LinkCase{reports::LinkType::Null, "10.0.0.1", "10.0.0.2"},
                      LinkCase{reports::LinkType::Ethernet, "2001:db8::1", "2001:db8::2"},
                      LinkCase{reports::LinkType::LinuxCooked, "2001:db8::1", "2001:db8::2"},
                      LinkCase{reports::LinkType::RawIp, "2001:db8::1", "2001:db8::2"},
                      LinkCase{reports::LinkType::Null, "2001:db8::1", "2001:db8::2"}),
    link_case_name);

TEST(CaptureReader, ReassemblesIpv4Fragments) {
  // A 4000-byte IKE message (a large CERT) spans three 1500-byte frames.
  codec::CertPayload cert;
  cert.data = core::Bytes(3950, 0x5a);
  auto m = codec::make_message(codec::ExchangeType::IKE_AUTH, codec::flags::kInitiator, 1, 1, 2,
                               {codec::Payload(codec::PayloadType::CERT, cert)});
  auto wire = codec::encode_message(m);
  auto path = temp_path("frag.pcap");
  {
    auto w = reports::PcapWriter::open(path.string());
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(w->write_udp({"10.150.3.1", 500}, {"10.150.1.1", 500}, wire, 5, 0));
    EXPECT_EQ(w->frames(), 3u);
  }
  auto frames = read_all(path.string());
  fs::remove(path);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].kind, FrameKind::Fragment);
  EXPECT_EQ(frames[1].kind, FrameKind::Fragment);
  ASSERT_EQ(frames[2].kind, FrameKind::Datagram);
  EXPECT_EQ(frames[2].number, 3u);
  EXPECT_EQ(frames[2].payload, wire);
  EXPECT_TRUE(codec::decode_message(frames[2].payload).ok());
}

// Writes a classic pcap by hand, for frames libtins would refuse to build.
void write_raw_pcap(const fs::path& path, uint32_t dlt, const std::vector<core::Bytes>& frames) {
  std::ofstream out(path, std::ios::binary);
  auto u32 = [&](uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
  u32(0xa1b2c3d4);
  u16(2);
  u16(4);
  u32(0);
  u32(0);
  u32(65535);
  u32(dlt);
  for (const auto& f : frames) {
    u32(1);
    u32(0);
    u32(static_cast<uint32_t>(f.size()));
    u32(static_cast<uint32_t>(f.size()));
    out.write(reinterpret_cast<const char*>(f.data()), static_cast<std::streamsize>(f.size()));
  }
}

TEST(CaptureReader, MalformedFrameIsAnErrorNotAThrow) {
  auto path = temp_path("malformed.pcap");
  // Ethernet frame announcing IPv4, followed by 6 bytes: too short for an IP header.
  core::Bytes eth{0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00, 0x45, 0, 0, 40, 0, 0};
  core::Bytes raw_v4_bad{0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 1, 244, 1};
  write_raw_pcap(path, 1, {eth, core::Bytes{}, core::Bytes{1, 2, 3}});
  auto frames = read_all(path.string());
  ASSERT_EQ(frames.size(), 3u);
  for (const auto& f : frames) EXPECT_NE(f.kind, FrameKind::Datagram);
  EXPECT_EQ(frames[0].kind, FrameKind::Error);
  EXPECT_FALSE(frames[0].error.empty());
  write_raw_pcap(path, 12 /* DLT_RAW */, {raw_v4_bad, core::Bytes{0x60}, core::Bytes{0x00}});
  frames = read_all(path.string());
  fs::remove(path);
  ASSERT_EQ(frames.size(), 3u);
  for (const auto& f : frames) EXPECT_NE(f.kind, FrameKind::Datagram) << "frame " << f.number;
}

TEST(CaptureReader, TruncatedCaptureFailsAfterTheGoodFrames) {
  auto path = temp_path("trunc.pcap");
  {
    auto w = reports::PcapWriter::open(path.string());
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(w->write_udp({"10.0.0.1", 500}, {"10.0.0.2", 500}, core::Bytes(100, 1), i, 0));
  }
  // 24-byte file header, then records of 16 + 142 bytes: cut inside record 3.
  fs::resize_file(path, 24 + 2 * 158 + 16 + 50);
  ReadStatus last{};
  std::string failure;
  auto frames = read_all(path.string(), &last, &failure);
  fs::remove(path);
  EXPECT_EQ(frames.size(), 2u);
  EXPECT_EQ(last, ReadStatus::Failed);
  EXPECT_EQ(failure.rfind("truncated capture: ", 0), 0u) << failure;
}

TEST(CaptureReader, OpenFailuresSayWhy) {
  auto missing = CaptureReader::open("/nonexistent/x.pcap");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().reason, "cannot open: No such file or directory");
  auto path = temp_path("text.pcap");
  std::ofstream(path) << "this is a text file, not a capture\n";
  auto text = CaptureReader::open(path.string());
  fs::remove(path);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().reason.rfind("not a pcap or pcapng capture", 0), 0u) << text.error().reason;
}

TEST(CaptureReader, PortsAreConfigurable) {
  auto path = temp_path("ports.pcap");
  {
    auto w = reports::PcapWriter::open(path.string());
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(w->write_udp({"10.0.0.1", 500}, {"10.0.0.2", 500}, core::Bytes(30, 0), 1, 0));
    ASSERT_TRUE(w->write_udp({"10.0.0.1", 7500}, {"10.0.0.2", 7500}, core::Bytes{0, 0, 0, 0, 1}, 1, 0));
  }
  CaptureOptions o;
  o.ports = {7500};
  o.natt_ports = {7500};
  auto r = CaptureReader::open(path.string(), o);
  ASSERT_TRUE(r.ok());
  CaptureFrame f;
  ASSERT_EQ(r->next(f), ReadStatus::Frame);
  EXPECT_EQ(f.kind, FrameKind::Other);
  ASSERT_EQ(r->next(f), ReadStatus::Frame);
  EXPECT_EQ(f.kind, FrameKind::Datagram);
  EXPECT_EQ(f.datagram.kind, DatagramKind::Ike);
  EXPECT_EQ(f.datagram.ike_offset, 4u);
  EXPECT_EQ(r->next(f), ReadStatus::End);
  fs::remove(path);
}

}  // namespace
}  // namespace ikeh::net
