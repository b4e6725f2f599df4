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
using Json = nlohmann::ordered_json;

codec::Namer u16_namer_for(PayloadType t) {
  if (t == PayloadType::N) return &codec::name_raw<codec::HashAlgorithm>;
  if (t == PayloadType::CP) return &codec::name_raw<codec::CfgAttributeType>;
  return nullptr;
}

// Builds the "ike" object from trace events. Open scopes are values on a
// stack, attached to their parent when they close (or when finish() unwinds
// after an error), so no reference into a growing container is ever held.
class JsonTrace {
 public:
  JsonTrace() { stack_.push_back({Json::object(), {}}); }

  void num(const char* name, uint64_t v, unsigned width, NumFmt fmt, std::size_t) {
    Json& t = top();
    // 64-bit values (the SPIs) as hex text: many JSON readers lose integers
    // above 2^53.
    Json value = width == 8 ? Json(hex64(v)) : Json(v);
    if (t.is_array()) {
      t.push_back(std::move(value));
      return;
    }
    t[name] = std::move(value);
    auto n = name_for(fmt, v);
    if (!n.empty()) t[std::string(name) + "_name"] = std::string(n);
  }

  void flag(const char* name, bool v, std::size_t) {
    Json& t = top();
    if (t.is_array()) t.push_back(v);
    else t[name] = v;
  }

  void bytes(const char* name, core::BytesView d, Show show, std::size_t) {
    Json& t = top();
    if (t.is_array()) {
      t.push_back(core::to_hex(d));
      return;
    }
    t[name] = core::to_hex(d);
    if (auto r = render_bytes(d, show, u16_namer_for(payload_))) t[std::string(name) + "_text"] = *r;
    if (payload_ == PayloadType::V) {
      auto vid = codec::known_vendor_id(d);
      if (!vid.empty()) t[std::string(name) + "_name"] = std::string(vid);
    }
  }

  void begin(const char* name, int, std::size_t) {
    bool element = top().is_array();
    stack_.push_back({Json::object(), element ? std::string() : std::string(name)});
  }

  void begin_payload(PayloadType t, std::size_t offset) {
    payload_ = t;
    if (stack_.size() == 1) stack_.push_back({Json::array(), "payloads"});
    Json p = Json::object();
    p["type"] = static_cast<unsigned>(t);
    p["type_name"] = codec::label(t);
    p["offset"] = offset;
    stack_.push_back({std::move(p), {}});
  }

  void end(std::size_t) { close(); }
  void begin_list(const char* name) { stack_.push_back({Json::array(), std::string(name) + "s"}); }
  void end_list() { close(); }

  Json finish() {
    while (stack_.size() > 1) close();
    Json root = std::move(stack_.front().value);
    if (!root.contains("payloads")) root["payloads"] = Json::array();
    return root;
  }

 private:
  struct Open {
    Json value;
    std::string key;  // empty for array elements
  };

  Json& top() { return stack_.back().value; }

  void close() {
    if (stack_.size() < 2) return;
    Open o = std::move(stack_.back());
    stack_.pop_back();
    Json& parent = top();
    if (parent.is_array()) parent.push_back(std::move(o.value));
    else parent[o.key] = std::move(o.value);
  }

  std::vector<Open> stack_;
  PayloadType payload_ = PayloadType::NONE;
};

}  // namespace

Json to_json(const DatagramRecord& r, core::Status* status) {
  Json j = Json::object();
  j["frame"] = r.frame;
  j["time"] = r.time;
  j["src"] = r.src;
  j["sport"] = r.sport;
  j["dst"] = r.dst;
  j["dport"] = r.dport;
  j["kind"] = kind_name(r.kind);
  if (status) *status = core::Status();
  switch (r.kind) {
    case DatagramKind::Esp:
      j["esp_spi"] = r.esp_spi;
      return j;
    case DatagramKind::NatKeepalive:
      return j;
    case DatagramKind::Malformed:
      j["error"] = r.error;
      return j;
    case DatagramKind::Ike:
      break;
  }
  j["non_esp_marker"] = r.non_esp_marker;
  JsonTrace trace;
  core::Status s = codec::trace_message(r.ike, trace);
  if (!s) j["error"] = codec::describe(s.error());
  j["ike"] = trace.finish();
  if (status) *status = s;
  return j;
}

core::Status write_json_line(std::ostream& out, const DatagramRecord& record) {
  core::Status s;
  // Replacement of invalid UTF-8 keeps one bad text field from aborting the
  // report; all field text is ASCII by construction today.
  out << to_json(record, &s).dump(-1, ' ', false, Json::error_handler_t::replace) << "\n";
  return s;
}

}  // namespace ikeh::reports
