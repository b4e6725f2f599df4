// SPDX-License-Identifier: Apache-2.0
#include "reports/text_report.h"

#include <string>
#include <vector>

#include "harness/codec/message.h"
#include "harness/codec/message_io.h"
#include "harness/codec/vendor_id_payload.h"
#include "reports/value_format.h"

namespace ikeh::reports {

namespace {

using codec::NumFmt;
using codec::PayloadType;
using codec::Show;

std::string endpoint(const std::string& addr, uint16_t port) {
  // RFC 5952 6: brackets keep an IPv6 address apart from its port.
  if (addr.find(':') != std::string::npos) return "[" + addr + "]:" + std::to_string(port);
  return addr + ":" + std::to_string(port);
}

std::string prefix(const DatagramRecord& r) {
  return "frame " + std::to_string(r.frame) + "  " + endpoint(r.src, r.sport) + " -> " + endpoint(r.dst, r.dport);
}

class TextTrace {
 public:
  // indent: extra spaces before every line (the inner chain sits under its
  // SK line); inner: a bare payload chain, no IKE header to wait for.
  TextTrace(std::ostream& out, const DatagramRecord& r, std::size_t indent = 0, bool inner = false)
      : out_(out), record_(r), indent_(indent), header_written_(inner) {}

  void num(const char* name, uint64_t v, unsigned width, NumFmt fmt, std::size_t) {
    switch (top()) {
      case Scope::Header: return header_num(name, v);
      case Scope::Payload: return generic_num(name, v);
      default: break;
    }
    line(std::string(name) + ": " + format_number(v, width, fmt) + named(fmt, v));
  }

  void flag(const char* name, bool v, std::size_t) {
    if (top() == Scope::Payload) {
      pending_.critical = v;
      return;
    }
    line(std::string(name) + ": " + (v ? "true" : "false"));
  }

  void bytes(const char* name, core::BytesView d, Show show, std::size_t) {
    std::string text;
    if (auto r = render_bytes(d, show, u16_namer_for(payload_))) {
      text = show == Show::Text ? "\"" + *r + "\"" : *r;
    } else {
      text = short_hex(d);
    }
    if (payload_ == PayloadType::V) {
      auto vid = codec::known_vendor_id(d);
      if (!vid.empty()) text += " (" + std::string(vid) + ")";
    }
    line(std::string(name) + ": " + text);
  }

  void begin(const char* name, int index, std::size_t offset) {
    std::string n = name;
    if (n == "header" && scopes_.empty()) {
      scopes_.push_back(Scope::Header);
      return;
    }
    if (top() == Scope::Payload && n == "body") {
      flush_payload();
      scopes_.push_back(Scope::Body);
      return;
    }
    line(index >= 0 ? n + " " + std::to_string(index + 1) + " at offset " + std::to_string(offset) : n);
    scopes_.push_back(Scope::Element);
  }

  void begin_payload(PayloadType t, std::size_t offset) {
    payload_ = t;
    pending_ = Pending{};
    pending_.offset = offset;
    pending_.open = true;
    scopes_.push_back(Scope::Payload);
  }

  void end(std::size_t) {
    if (scopes_.empty()) return;
    Scope s = scopes_.back();
    scopes_.pop_back();
    if (s == Scope::Header) header_line();
  }

  void begin_list(const char*) {}
  void end_list() {}

  // Writes whatever an error cut short: a header line when the header was
  // not complete, a payload line whose body never started.
  void finish() {
    if (!header_written_) {
      out_ << prefix(record_) << "  IKE" << (record_.non_esp_marker ? " (non-ESP marker)" : "") << "  "
           << record_.ike.size() << " bytes\n";
      header_written_ = true;
    }
    flush_payload();
  }

  void error_line(const std::string& text) { out_ << std::string(indent_ + 2, ' ') << "error: " << text << "\n"; }

 private:
  enum class Scope { Header, Payload, Body, Element };
  struct Pending {
    bool open = false;
    std::size_t offset = 0;
    uint64_t next = 0;
    bool critical = false;
    uint64_t reserved = 0;
    uint64_t length = 0;
    bool has_length = false;
  };
  struct HeaderValues {
    uint64_t spi_i = 0, spi_r = 0, version = 0, exchange = 0, flags = 0, message_id = 0, length = 0;
  };

  Scope top() const { return scopes_.empty() ? Scope::Body : scopes_.back(); }

  static std::string named(NumFmt fmt, uint64_t v) {
    auto n = name_for(fmt, v);
    return n.empty() ? std::string() : " (" + std::string(n) + ")";
  }

  // Field lines are indented by depth: payload lines by 2, their fields by 4.
  void line(const std::string& text) {
    std::size_t depth = 0;
    for (Scope s : scopes_)
      if (s == Scope::Body || s == Scope::Element) ++depth;
    out_ << std::string(indent_ + 2 + 2 * depth, ' ') << text << "\n";
  }

  void header_num(const std::string& name, uint64_t v) {
    if (name == "initiator_spi") h_.spi_i = v;
    else if (name == "responder_spi") h_.spi_r = v;
    else if (name == "version") h_.version = v;
    else if (name == "exchange_type") h_.exchange = v;
    else if (name == "flags") h_.flags = v;
    else if (name == "message_id") h_.message_id = v;
    else if (name == "length") h_.length = v;
  }

  void generic_num(const std::string& name, uint64_t v) {
    if (name == "next_payload") pending_.next = v;
    else if (name == "reserved") pending_.reserved = v;
    else if (name == "payload_length") {
      pending_.length = v;
      pending_.has_length = true;
    }
  }

  void header_line() {
    std::string s = prefix(record_);
    if (record_.non_esp_marker) s += "  (non-ESP marker)";
    s += "  " + codec::label(static_cast<codec::ExchangeType>(h_.exchange));
    s += (h_.flags & codec::flags::kResponse) ? " response" : " request";
    std::string f;
    if (h_.flags & codec::flags::kInitiator) f += "I";
    if (h_.flags & codec::flags::kResponse) f += "R";
    if (h_.flags & codec::flags::kVersion) f += "V";
    s += "  flags " + (f.empty() ? std::string("-") : f);
    if (h_.flags & ~uint64_t{0x38}) s += " (0x" + hex64(h_.flags).substr(14) + ")";
    s += "  msgid " + std::to_string(h_.message_id);
    s += "  spi_i " + hex64(h_.spi_i) + "  spi_r " + hex64(h_.spi_r);
    s += "  length " + std::to_string(h_.length);
    if (h_.version != 0x20) s += "  version 0x" + hex64(h_.version).substr(14);
    out_ << s << "\n";
    header_written_ = true;
  }

  void flush_payload() {
    if (!pending_.open) return;
    pending_.open = false;
    std::string s = codec::label(payload_) + " at offset " + std::to_string(pending_.offset);
    if (pending_.has_length) s += "  length " + std::to_string(pending_.length);
    bool encrypted = payload_ == PayloadType::SK || payload_ == PayloadType::SKF;
    s += encrypted ? "  first inner " : "  next ";
    s += codec::label(static_cast<PayloadType>(pending_.next));
    if (pending_.critical) s += "  critical";
    if (pending_.reserved) s += "  reserved " + std::to_string(pending_.reserved);
    out_ << std::string(indent_ + 2, ' ') << s << "\n";
  }

  std::ostream& out_;
  const DatagramRecord& record_;
  std::vector<Scope> scopes_;
  std::size_t indent_ = 0;
  HeaderValues h_;
  Pending pending_;
  PayloadType payload_ = PayloadType::NONE;
  bool header_written_ = false;
};

std::string fragment_text(const InnerRecord& in) {
  return "fragment " + std::to_string(in.fragment_number) + " of " + std::to_string(in.total_fragments);
}

// The inner chain under the SK/SKF line: one summary line, then the payloads
// with the same field printer as the outer ones. Offsets count from the first
// byte of the decrypted chain.
void write_inner(std::ostream& out, const DatagramRecord& r, const InnerRecord& in) {
  const std::string pad(4, ' ');
  const char* icv = in.icv_verified ? "ICV verified" : "ICV not checked (the key table gives no integrity algorithm)";
  switch (in.state) {
    case InnerRecord::State::NoKeys:
      out << pad << in.note << "\n";
      return;
    case InnerRecord::State::Failed:
      out << pad << "not decrypted: " << in.note << "\n";
      return;
    case InnerRecord::State::FragmentPending:
      out << pad << fragment_text(in) << " decrypted, " << icv << "; " << in.fragments_received << " of "
          << in.total_fragments << " held, the inner payloads follow the last one\n";
      return;
    case InnerRecord::State::Decrypted:
      break;
  }
  out << pad << "decrypted";
  if (in.fragment) out << " (" << fragment_text(in) << ", " << in.total_fragments << " reassembled)";
  out << ", " << icv << ", inner " << in.chain.size() << " bytes, first " << codec::label(in.first) << "\n";
  TextTrace trace(out, r, 4, true);
  codec::Decoder<TextTrace> io(in.chain, &trace);
  std::vector<codec::Payload> payloads;
  codec::decode_chain(io, in.first, payloads, nullptr);
  trace.finish();
  if (!io.ok()) trace.error_line(codec::describe(io.error()));
}

}  // namespace

core::Status write_text(std::ostream& out, const DatagramRecord& r) {
  switch (r.kind) {
    case DatagramKind::Esp:
      out << prefix(r) << "  ESP  spi 0x" << hex64(r.esp_spi).substr(8) << "  " << r.size << " bytes\n";
      return {};
    case DatagramKind::NatKeepalive:
      out << prefix(r) << "  NAT-keepalive\n";
      return {};
    case DatagramKind::Malformed:
      out << prefix(r) << "  malformed: " << r.error << "\n";
      return {};
    case DatagramKind::Ike:
      break;
  }
  TextTrace trace(out, r);
  core::Status status = codec::trace_message(r.ike, trace);
  trace.finish();
  if (!status) trace.error_line(codec::describe(status.error()));
  if (status && r.inner) write_inner(out, r, *r.inner);
  return status;
}

}  // namespace ikeh::reports
