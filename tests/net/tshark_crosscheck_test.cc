// SPDX-License-Identifier: Apache-2.0
// Compares, frame by frame, the outer payload chain we decode with the one
// Wireshark's dissector reports (tshark field isakmp.typepayload).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

#include "harness/codec/message.h"
#include "net/capture_reader.h"

namespace ikeh::net {
namespace {

namespace fs = std::filesystem;

// frame number -> payload types tshark lists. isakmp.typepayload also lists
// proposal (2) and transform (3) substructures; IKEv2 payload types start at 33.
std::map<uint64_t, std::vector<int>> tshark_chains(const fs::path& file) {
  std::map<uint64_t, std::vector<int>> out;
  std::string cmd = std::string(IKEH_TSHARK) + " -n -r '" + file.string() +
                    "' -T fields -e frame.number -e isakmp.typepayload -E occurrence=a -E aggregator=, 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  while (fgets(buf, sizeof buf, p)) {
    std::istringstream line(buf);
    uint64_t frame = 0;
    std::string types;
    line >> frame;
    line >> types;
    std::vector<int> chain;
    std::istringstream ts(types);
    std::string t;
    while (std::getline(ts, t, ','))
      if (!t.empty() && std::stoi(t) >= 33) chain.push_back(std::stoi(t));
    if (!chain.empty()) out[frame] = chain;
  }
  pclose(p);
  return out;
}

std::map<uint64_t, std::vector<int>> our_chains(const fs::path& file) {
  std::map<uint64_t, std::vector<int>> out;
  auto r = CaptureReader::open(file.string());
  EXPECT_TRUE(r.ok());
  if (!r) return out;
  CaptureFrame f;
  while (r->next(f) == ReadStatus::Frame) {
    if (f.kind != FrameKind::Datagram || f.datagram.kind != DatagramKind::Ike) continue;
    auto m = codec::decode_message(core::BytesView(f.payload).subspan(f.datagram.ike_offset));
    EXPECT_TRUE(m.ok()) << file << " frame " << f.number;
    if (!m) continue;
    std::vector<int> chain;
    for (auto t : m->payload_types()) chain.push_back(static_cast<int>(t));
    if (!chain.empty()) out[f.number] = chain;
  }
  return out;
}

std::vector<fs::path> captures() {
  std::vector<fs::path> files;
  fs::path dir = fs::path(IKEH_SHARED_DIR) / "testdata" / "wireshark-test-captures";
  if (fs::exists(dir))
    for (const auto& e : fs::directory_iterator(dir)) {
      auto ext = e.path().extension();
      if (ext == ".pcap" || ext == ".pcapng") files.push_back(e.path());
    }
  files.push_back(fs::path(IKEH_SOURCE_DIR) / "examples" / "flexvpn-sample.pcap");
  return files;
}

TEST(TsharkCrosscheck, OuterPayloadChainsMatch) {
  if (std::string(IKEH_TSHARK).empty()) GTEST_SKIP() << "tshark not found when configuring";
  if (!fs::exists(fs::path(IKEH_SHARED_DIR) / "testdata")) GTEST_SKIP() << "shared test data not found";
  int compared = 0;
  for (const auto& file : captures()) {
    SCOPED_TRACE(file.string());
    auto theirs = tshark_chains(file);
    auto ours = our_chains(file);
    ASSERT_FALSE(theirs.empty()) << "tshark reported no IKE payloads";
    EXPECT_EQ(ours, theirs);
    compared += static_cast<int>(ours.size());
  }
  EXPECT_GE(compared, 46);
}

}  // namespace
}  // namespace ikeh::net
