// SPDX-License-Identifier: Apache-2.0
#include "reports/json_report.h"

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

// Appends a JSON string. Keys, registry names, hex and addresses are ASCII
// identifiers or digits by construction; anything else (rendered text, error
// lines) goes through nlohmann's serializer for escaping.
void append_plain(std::string& out, std::string_view s) {
  out.push_back('"');
  out.append(s);
  out.push_back('"');
}
void append_escaped(std::string& out, const std::string& s) {
  out.append(nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}
void append_hex(std::string& out, core::BytesView d) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t at = out.size();
  out.resize(at + 2 * d.size());
  for (std::size_t i = 0; i < d.size(); ++i) {
    out[at + 2 * i] = kDigits[d[i] >> 4];
    out[at + 2 * i + 1] = kDigits[d[i] & 0xf];
  }
  out.push_back('"');
}

// Writes the "ike" object straight from trace events into a string: one pass,
// no document tree (a tree and its serializer cost about four fifths of a
// `decode --json` run). Scopes are a stack of (is_array, has_members).
class JsonTrace {
 public:
  explicit JsonTrace(std::string& out) : out_(out) {
    out_.push_back('{');
    stack_.push_back({false, false});
  }

  void num(const char* name, uint64_t v, unsigned width, NumFmt fmt, std::size_t) {
    key(name);
    // 64-bit values (the SPIs) as hex text: many JSON readers lose integers
    // above 2^53.
    if (width == 8)
      append_plain(out_, hex64(v));
    else
      out_.append(std::to_string(v));
    if (stack_.back().array) return;
    auto n = name_for(fmt, v);
    if (!n.empty()) {
      suffixed_key(name, "_name");
      append_plain(out_, n);
    }
  }

  void flag(const char* name, bool v, std::size_t) {
    key(name);
    out_.append(v ? "true" : "false");
  }

  void bytes(const char* name, core::BytesView d, Show show, std::size_t) {
    key(name);
    append_hex(out_, d);
    if (stack_.back().array) return;
    if (auto r = render_bytes(d, show, u16_namer_for(payload_))) {
      suffixed_key(name, "_text");
      append_escaped(out_, *r);
    }
    if (payload_ == PayloadType::V) {
      auto vid = codec::known_vendor_id(d);
      if (!vid.empty()) {
        suffixed_key(name, "_name");
        append_escaped(out_, std::string(vid));
      }
    }
  }

  void begin(const char* name, int, std::size_t) { open(name, false); }

  void begin_payload(PayloadType t, std::size_t offset) {
    payload_ = t;
    if (stack_.size() == 1) {
      open("payloads", true);
      payloads_open_ = true;
    }
    open(nullptr, false);
    key("type");
    out_.append(std::to_string(static_cast<unsigned>(t)));
    key("type_name");
    append_plain(out_, codec::label(t));
    key("offset");
    out_.append(std::to_string(offset));
  }

  void end(std::size_t) { close(); }
  // A member with an already-serialized value, written before the payloads.
  void member(const char* name, const std::string& json_value) {
    key(name);
    out_.append(json_value);
  }
  void begin_list(const char* name) {
    separator();
    out_.push_back('"');
    out_.append(name);
    out_.append("s\":[");
    stack_.push_back({true, false});
  }
  void end_list() { close(); }

  // Closes what an error left open and the object itself.
  void finish() {
    while (stack_.size() > 1) close();
    if (!payloads_open_) {
      key("payloads");
      out_.append("[]");
    }
    out_.push_back('}');
  }

 private:
  struct Scope {
    bool array;
    bool has_members;
  };

  void separator() {
    if (stack_.back().has_members) out_.push_back(',');
    stack_.back().has_members = true;
  }
  // A member key in an object, or just the separator in an array.
  void key(const char* name) {
    separator();
    if (stack_.back().array) return;
    out_.push_back('"');
    out_.append(name);
    out_.append("\":");
  }
  void suffixed_key(const char* name, const char* suffix) {
    out_.append(",\"");
    out_.append(name);
    out_.append(suffix);
    out_.append("\":");
  }
  void open(const char* name, bool array) {
    if (name && !stack_.back().array)
      key(name);
    else
      separator();
    out_.push_back(array ? '[' : '{');
    stack_.push_back({array, false});
  }
  void close() {
    if (stack_.size() < 2) return;
    out_.push_back(stack_.back().array ? ']' : '}');
    stack_.pop_back();
  }

  std::string& out_;
  std::vector<Scope> stack_;
  PayloadType payload_ = PayloadType::NONE;
  bool payloads_open_ = false;
};

std::string json_quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// The "inner" member of the "ike" object (see the header).
void append_inner(std::string& out, const InnerRecord& in) {
  out.append(",\"inner\":");
  JsonTrace trace(out);
  if (in.state == InnerRecord::State::Failed) {
    trace.member("error", nlohmann::json(in.note).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    out.push_back('}');
    return;
  }
  bool pending = in.state == InnerRecord::State::FragmentPending;
  if (!pending) {
    trace.member("first_payload", std::to_string(static_cast<unsigned>(in.first)));
    trace.member("first_payload_name", json_quoted(codec::label(in.first)));
  }
  trace.member("icv", in.icv_verified ? "\"verified\"" : "\"not checked\"");
  if (in.fragment) {
    trace.member("fragment", "{\"number\":" + std::to_string(in.fragment_number) +
                                 ",\"total\":" + std::to_string(in.total_fragments) +
                                 ",\"received\":" + std::to_string(in.fragments_received) + ",\"state\":" +
                                 (pending ? "\"incomplete\"" : "\"complete\"") + "}");
  }
  if (pending) {
    out.push_back('}');
    return;
  }
  codec::Decoder<JsonTrace> io(in.chain, &trace);
  std::vector<codec::Payload> payloads;
  codec::decode_chain(io, in.first, payloads, nullptr);
  trace.finish();
  if (!io.ok()) {
    out.pop_back();
    out.append(",\"error\":");
    append_escaped(out, codec::describe(io.error()));
    out.push_back('}');
  }
}

void append_record(std::string& out, const DatagramRecord& r, core::Status& status) {
  out.append("{\"frame\":").append(std::to_string(r.frame));
  out.append(",\"time\":").append(nlohmann::json(r.time).dump());
  out.append(",\"src\":");
  append_escaped(out, r.src);
  out.append(",\"sport\":").append(std::to_string(r.sport));
  out.append(",\"dst\":");
  append_escaped(out, r.dst);
  out.append(",\"dport\":").append(std::to_string(r.dport));
  out.append(",\"kind\":");
  append_plain(out, kind_name(r.kind));
  status = core::Status();
  switch (r.kind) {
    case DatagramKind::Esp:
      out.append(",\"esp_spi\":").append(std::to_string(r.esp_spi)).append("}");
      return;
    case DatagramKind::NatKeepalive:
      out.append("}");
      return;
    case DatagramKind::Malformed:
      out.append(",\"error\":");
      append_escaped(out, r.error);
      out.append("}");
      return;
    case DatagramKind::Ike:
      break;
  }
  out.append(",\"non_esp_marker\":").append(r.non_esp_marker ? "true" : "false");
  out.append(",\"ike\":");
  JsonTrace trace(out);
  status = codec::trace_message(r.ike, trace);
  trace.finish();
  if (status && r.inner && r.inner->state != InnerRecord::State::NoKeys) {
    out.pop_back();  // reopen the "ike" object
    append_inner(out, *r.inner);
    out.push_back('}');
  }
  if (!status) {
    out.append(",\"error\":");
    append_escaped(out, codec::describe(status.error()));
  }
  out.append("}");
}

}  // namespace

nlohmann::ordered_json to_json(const DatagramRecord& r, core::Status* status) {
  std::string line;
  core::Status s;
  append_record(line, r, s);
  if (status) *status = s;
  return nlohmann::ordered_json::parse(line);
}

nlohmann::ordered_json payloads_to_json(std::span<const codec::Payload> payloads, core::Status* status) {
  codec::PayloadType first = codec::PayloadType::NONE;
  core::Bytes chain = codec::encode_payloads(payloads, &first);
  std::string out;
  JsonTrace trace(out);
  codec::Decoder<JsonTrace> io(chain, &trace);
  std::vector<codec::Payload> decoded;
  codec::decode_chain(io, first, decoded, nullptr);
  trace.finish();
  if (status) *status = io.ok() ? core::Status() : core::Status(io.error());
  auto doc = nlohmann::ordered_json::parse(out);
  return std::move(doc["payloads"]);
}

core::Status write_json_line(std::ostream& out, const DatagramRecord& record) {
  thread_local std::string line;
  line.clear();
  core::Status s;
  append_record(line, record, s);
  line.push_back('\n');
  out.write(line.data(), static_cast<std::streamsize>(line.size()));
  return s;
}

}  // namespace ikeh::reports
