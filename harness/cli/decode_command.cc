// SPDX-License-Identifier: Apache-2.0
#include "harness/cli/decode_command.h"

#include <memory>
#include <optional>

#include "harness/crypto/sk_decryptor.h"
#include "harness/codec/message.h"
#include "net/capture_reader.h"
#include "reports/json_report.h"
#include "reports/text_report.h"

namespace ikeh::cli {

namespace {

using crypto::OpenedSk;
using crypto::SkDecryptor;

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

// "message 1 (IKE_AUTH request)" for lines about a decoded message.
std::string message_name(const codec::Header& h) {
  return "message " + std::to_string(h.message_id) + " (" + codec::label(h.exchange_type) +
         (h.is_response() ? " response" : " request") + ")";
}

reports::InnerRecord to_inner(const OpenedSk& o, const std::string& table) {
  reports::InnerRecord in;
  switch (o.state) {
    case OpenedSk::State::Decrypted: in.state = reports::InnerRecord::State::Decrypted; break;
    case OpenedSk::State::FragmentPending: in.state = reports::InnerRecord::State::FragmentPending; break;
    case OpenedSk::State::NoKeys: in.state = reports::InnerRecord::State::NoKeys; break;
    case OpenedSk::State::Failed: in.state = reports::InnerRecord::State::Failed; break;
  }
  in.icv_verified = o.icv_verified;
  in.first = o.first;
  in.chain = o.inner;
  in.fragment = o.fragment;
  in.fragment_number = o.fragment_number;
  in.total_fragments = o.total_fragments;
  in.fragments_received = o.fragments_received;
  if (o.state == OpenedSk::State::NoKeys) in.note = "no keys for this IKE SA in " + table + ": not decrypted";
  if (o.state == OpenedSk::State::Failed) in.note = o.error;
  return in;
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
  std::optional<SkDecryptor> decryptor;
  if (!o.keys.empty()) {
    auto table = crypto::read_key_table(o.keys);
    if (!table) {
      err << table.error().reason << "\n";
      return kExitUsage;
    }
    decryptor.emplace(std::move(*table));
  }
  bool failed = false;
  codec::Message message;
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
    std::string inner_problem;
    OpenedSk opened;
    reports::InnerRecord inner;
    if (decryptor && rec.kind == reports::DatagramKind::Ike && codec::decode_message_into(rec.ike, message) &&
        !message.payloads.empty() &&
        (message.payloads.back().type == codec::PayloadType::SK ||
         message.payloads.back().type == codec::PayloadType::SKF)) {
      opened = decryptor->open(message, rec.ike);
      // "no keys" is said once per IKE SA (text); JSON just omits "inner".
      if (opened.state != OpenedSk::State::NoKeys || opened.first_without_keys) {
        inner = to_inner(opened, o.keys);
        rec.inner = &inner;
      }
      if (opened.state == OpenedSk::State::Failed) {
        inner_problem = message_name(message.header) + ": " + opened.error;
      } else if (opened.state == OpenedSk::State::Decrypted) {
        auto chain = codec::decode_payloads(opened.first, opened.inner);
        if (!chain) inner_problem = message_name(message.header) + ": inner payloads: " + codec::describe(chain.error());
      }
    }
    core::Status s = o.json ? reports::write_json_line(out, rec) : reports::write_text(out, rec);
    std::string problem;
    if (rec.kind == reports::DatagramKind::Malformed) {
      problem = "UDP payload at offset 0: " + rec.error;
    } else if (!s) {
      problem = message_label(rec.ike) + codec::describe(s.error());
    }
    if (problem.empty()) problem = inner_problem;
    if (problem.empty()) continue;
    if (frame.snapped) problem += " (the frame was cut by the capture's snap length)";
    failed = true;
    out.flush();
    err << o.file << ": frame " << frame.number << ": " << problem << "\n";
  }
  return failed ? kExitFailed : kExitOk;
}

}  // namespace ikeh::cli
