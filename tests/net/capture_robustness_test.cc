// SPDX-License-Identifier: Apache-2.0
// No input may crash the reader or the printers: damaged copies of the sample
// capture, and every prefix of every sample message through both printers.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "net/capture_reader.h"
#include "reports/json_report.h"
#include "reports/text_report.h"

namespace ikeh::net {
namespace {

namespace fs = std::filesystem;

const fs::path kSample = fs::path(IKEH_SOURCE_DIR) / "examples" / "flexvpn-sample.pcap";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

reports::DatagramRecord record_of(const CaptureFrame& f) {
  reports::DatagramRecord r;
  r.frame = f.number;
  r.src = f.src;
  r.dst = f.dst;
  r.kind = f.datagram.kind == DatagramKind::Ike ? reports::DatagramKind::Ike : reports::DatagramKind::Malformed;
  r.ike = core::BytesView(f.payload).subspan(std::min(f.datagram.ike_offset, f.payload.size()));
  return r;
}

// Reads the whole file and prints every datagram both ways; returns the
// number of frames read.
std::size_t exercise(const fs::path& file) {
  auto r = CaptureReader::open(file.string());
  if (!r) return 0;
  CaptureFrame f;
  std::size_t n = 0;
  while (r->next(f) == ReadStatus::Frame) {
    ++n;
    if (f.kind != FrameKind::Datagram) continue;
    auto rec = record_of(f);
    std::ostringstream text, json;
    reports::write_text(text, rec);
    reports::write_json_line(json, rec);
    EXPECT_TRUE(nlohmann::json::accept(json.str())) << json.str();
  }
  return n;
}

TEST(CaptureRobustness, DamagedSampleCopies) {
  std::string base = slurp(kSample);
  ASSERT_GT(base.size(), 100u);
  std::mt19937 rng(7);
  fs::path p = fs::temp_directory_path() / ("ikeh_robust_" + std::to_string(::getpid()) + ".pcap");
  for (int round = 0; round < 300; ++round) {
    std::string b = base;
    int flips = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < flips; ++i) b[rng() % b.size()] = static_cast<char>(rng());
    if (round % 3 == 0) b.resize(rng() % b.size());
    std::ofstream(p, std::ios::binary) << b;
    exercise(p);
  }
  fs::remove(p);
}

TEST(CaptureRobustness, EveryPrefixOfEveryMessagePrints) {
  auto r = CaptureReader::open(kSample.string());
  ASSERT_TRUE(r.ok());
  CaptureFrame f;
  int messages = 0;
  while (r->next(f) == ReadStatus::Frame) {
    if (f.kind != FrameKind::Datagram || f.datagram.kind != DatagramKind::Ike) continue;
    ++messages;
    auto rec = record_of(f);
    core::BytesView whole = rec.ike;
    for (std::size_t n = 0; n < whole.size(); ++n) {
      rec.ike = whole.first(n);
      std::ostringstream text, json;
      EXPECT_FALSE(reports::write_text(text, rec).ok()) << "prefix " << n;
      auto j = reports::to_json(rec);
      EXPECT_TRUE(j.contains("error"));
      EXPECT_EQ(j["ike"].contains("header"), n >= 28) << "prefix " << n;
      EXPECT_NE(text.str().find("error: "), std::string::npos);
    }
  }
  EXPECT_EQ(messages, 6);
}

}  // namespace
}  // namespace ikeh::net
