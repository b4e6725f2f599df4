// SPDX-License-Identifier: Apache-2.0
#include "harness/cli/decode_command.h"

#include "harness/codec/message.h"
#include "net/capture_reader.h"
#include "reports/json_report.h"
#include "reports/text_report.h"

namespace ikeh::cli {

namespace {

reports::DatagramRecord to_record(const net::CaptureFrame& f) {
  reports::DatagramRecord r;
  r.frame = f.number;
  r.time = f.time();
  r.src = f.src;
  r.sport = f.sport;
  r.dst = f.dst;
  r.dport = f.dport;
  r.size = f.payload.size();
  switch (f.datagram.kind) {
    case net::DatagramKind::Ike:
      r.kind = reports::DatagramKind::Ike;
      r.non_esp_marker = f.datagram.ike_offset != 0;
      r.ike = core::BytesView(f.payload).subspan(f.datagram.ike_offset);
      break;
    case net::DatagramKind::Esp:
      r.kind = reports::DatagramKind::Esp;
      r.esp_spi = f.datagram.esp_spi;
      break;
    case net::DatagramKind::NatKeepalive:
      r.kind = reports::DatagramKind::NatKeepalive;
      break;
    case net::DatagramKind::Malformed:
      r.kind = reports::DatagramKind::Malformed;
      r.error = f.datagram.reason;
      break;
  }
  return r;
}

// "IKE_AUTH request: " for the error line when an IKEv2 header is there;
// empty for anything else (naming the exchange of garbage would mislead).
std::string message_label(core::BytesView ike) {
  auto h = codec::decode_header(ike);
  if (!h || h->major_version() != 2) return {};
  return codec::label(h->exchange_type) + (h->is_response() ? " response" : " request") + ": ";
}

}  // namespace

int run_decode(const DecodeOptions& o, std::ostream& out, std::ostream& err) {
  net::CaptureOptions copts;
  copts.ports = o.ports;
  copts.natt_ports = o.natt_ports;
  auto reader = net::CaptureReader::open(o.file, copts);
  if (!reader) {
    err << o.file << ": " << reader.error().reason << "\n";
    return kExitUsage;
  }
  bool failed = false;
  net::CaptureFrame frame;
  uint64_t last = 0;
  for (;;) {
    auto st = reader->next(frame);
    if (st == net::ReadStatus::End) break;
    if (st == net::ReadStatus::Failed) {
      out.flush();
      err << o.file << ": frame " << last + 1 << ": " << reader->failure() << "\n";
      return kExitUsage;
    }
    last = frame.number;
    if (frame.kind == net::FrameKind::Error) {
      failed = true;
      err << o.file << ": frame " << frame.number << ": " << frame.error << "\n";
      continue;
    }
    if (frame.kind != net::FrameKind::Datagram) continue;
    reports::DatagramRecord rec = to_record(frame);
    core::Status s = o.json ? reports::write_json_line(out, rec) : reports::write_text(out, rec);
    std::string problem;
    if (rec.kind == reports::DatagramKind::Malformed) {
      problem = "UDP payload at offset 0: " + rec.error;
    } else if (!s) {
      problem = message_label(rec.ike) + codec::describe(s.error());
    }
    if (problem.empty()) continue;
    if (frame.snapped) problem += " (the frame was cut by the capture's snap length)";
    failed = true;
    out.flush();
    err << o.file << ": frame " << frame.number << ": " << problem << "\n";
  }
  return failed ? kExitFailed : kExitOk;
}

}  // namespace ikeh::cli
