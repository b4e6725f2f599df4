// SPDX-License-Identifier: Apache-2.0
#include "reports/run_report.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string_view>

#include "harness/codec/cp_payload.h"
#include "harness/codec/message.h"
#include "harness/core/bytes.h"
#include "reports/json_report.h"
#include "reports/report_template_html.h"
#include "reports/value_format.h"

namespace ikeh::reports {

namespace {

namespace fs = std::filesystem;
using codec::PayloadType;

// "id" -> ("suite", "rest"); an id without '/' forms its own suite.
std::pair<std::string, std::string> split_id(const std::string& id) {
  auto slash = id.find('/');
  if (slash == std::string::npos) return {id.empty() ? std::string("scenarios") : id, id};
  return {id.substr(0, slash), id.substr(slash + 1)};
}

// One payload as the RFC's notation names it. Nonces are Ni in requests and
// Nr in responses (RFC 7296 1.2, 1.3), whichever side sends them.
void append_payload_label(std::string& s, const codec::Payload& p, bool response) {
  if (p.type == PayloadType::NONCE) {
    s.append(response ? "Nr" : "Ni");
    return;
  }
  s.append(codec::label(p.type));
  if (auto* n = p.as<codec::NotifyPayload>(); n && p.type == PayloadType::N)
    s.append("(").append(codec::label(n->type)).append(")");
  if (auto* c = p.as<codec::CpPayload>(); c && p.type == PayloadType::CP)
    s.append("(").append(codec::label(c->cfg_type)).append(")");
}

// "IKE_AUTH request #1 [SK {IDi AUTH SA TSi TSr}]".
std::string message_label(const TranscriptMessage& m) {
  std::string s = codec::label(m.exchange);
  s += m.response ? " response" : " request";
  s += " #" + std::to_string(m.message_id);
  s += " [";
  if (m.decrypted) s += "SK {";
  bool first = true;
  for (const auto& p : m.payloads) {
    if (!first) s.push_back(' ');
    first = false;
    append_payload_label(s, p, m.response);
  }
  if (m.decrypted) s += "}";
  s += "]";
  return s;
}

nlohmann::ordered_json optional_index(const std::optional<std::size_t>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

// Configuration attributes that carry a secret: XAUTH_USER_PASSWORD and
// XAUTH_PASSCODE (draft-beaulieu-ike-xauth numbers, in the IKEv2 private use
// range), which a FlexVPN spoke sends as its group password. Reports say how
// long the value was and never what it was.
bool secret_cfg_attribute(uint64_t type) { return type == 16522 || type == 16523; }

void hide_secret_attributes(nlohmann::ordered_json& payloads) {
  for (auto& p : payloads) {
    if (!p.is_object() || p.value("type", 0) != static_cast<int>(codec::PayloadType::CP)) continue;
    auto body = p.find("body");
    if (body == p.end() || !body->contains("attributes")) continue;
    for (auto& a : (*body)["attributes"]) {
      if (!a.is_object() || !a.contains("attribute_type") || !a["attribute_type"].is_number_unsigned()) continue;
      if (!secret_cfg_attribute(a["attribute_type"].get<uint64_t>()) || !a.contains("value")) continue;
      const std::size_t n = a["value"].is_string() ? a["value"].get<std::string>().size() / 2 : 0;
      a["value"] = "(" + std::to_string(n) + " bytes, hidden)";
      a["hidden"] = true;
    }
  }
}

nlohmann::ordered_json message_to_json(const TranscriptMessage& m, std::size_t index) {
  nlohmann::ordered_json j;
  j["index"] = index;
  j["time"] = m.time;
  j["direction"] = m.from_harness ? "harness->peer" : "peer->harness";
  j["exchange"] = codec::label(m.exchange);
  j["exchange_type"] = static_cast<unsigned>(m.exchange);
  j["kind"] = m.response ? "response" : "request";
  j["message_id"] = m.message_id;
  j["spi_i"] = hex64(m.spi_i);
  j["spi_r"] = hex64(m.spi_r);
  j["label"] = message_label(m);
  j["mutations"] = m.mutations;
  j["fault"] = m.fault;
  j["note"] = m.note;
  j["decrypted"] = m.decrypted;
  auto& datagrams = j["datagrams"] = nlohmann::ordered_json::array();
  for (const auto& d : m.datagrams) datagrams.push_back(core::to_hex(d));
  core::Status status;
  j["payloads"] = payloads_to_json(m.payloads, &status);
  hide_secret_attributes(j["payloads"]);
  if (!status) j["payloads_error"] = codec::describe(status.error());
  return j;
}

nlohmann::ordered_json scenario_to_json(const ScenarioResult& s) {
  nlohmann::ordered_json j;
  auto [suite, name] = split_id(s.id);
  j["id"] = s.id;
  j["suite"] = suite;
  j["name"] = name;
  j["title"] = s.title;
  j["reference"] = s.reference;
  j["requirement"] = s.requirement;
  j["role"] = s.role;
  j["tags"] = s.tags;
  j["verdict"] = verdict_name(s.verdict);
  j["reason"] = s.reason;
  j["expected"] = s.expected;
  j["got"] = s.got;
  j["failed_step"] = optional_index(s.failed_step);
  j["failed_message"] = optional_index(s.failed_message);
  j["duration"] = s.duration;
  j["pcap_file"] = s.pcap_file;
  j["key_table_file"] = s.key_table_file;
  j["events"] = s.events;
  auto& transcript = j["transcript"] = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < s.transcript.size(); ++i) transcript.push_back(message_to_json(s.transcript[i], i));
  return j;
}

std::string dump(const nlohmann::ordered_json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// Writes `text` to `file` whole; the error names the file and the OS reason.
core::Status write_file(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) return core::make_error(file.string(), std::string("cannot write: ") + std::strerror(errno));
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) return core::make_error(file.string(), std::string("write failed: ") + std::strerror(errno));
  return {};
}


// Decodes one UTF-8 sequence at s[i]; returns its length, 0 when invalid
// (overlong, surrogate, above U+10FFFF or truncated).
std::size_t utf8_sequence(std::string_view s, std::size_t i, uint32_t& cp) {
  auto b = static_cast<unsigned char>(s[i]);
  std::size_t n;
  uint32_t min;
  if (b < 0x80) {
    cp = b;
    return 1;
  } else if ((b & 0xe0) == 0xc0) {
    n = 2, cp = b & 0x1f, min = 0x80;
  } else if ((b & 0xf0) == 0xe0) {
    n = 3, cp = b & 0x0f, min = 0x800;
  } else if ((b & 0xf8) == 0xf0) {
    n = 4, cp = b & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() - i < n) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (c & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

// XML 1.0 section 2.2: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
bool xml_char(uint32_t cp) {
  return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
         cp >= 0x10000;
}

// Escapes text for element content or (attribute=true) a double-quoted
// attribute. Characters XML 1.0 cannot carry become U+FFFD; in attributes,
// line breaks and tabs are written as references so parsers do not fold
// them into spaces.
std::string xml_escape(std::string_view s, bool attribute) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    std::size_t n = utf8_sequence(s, i, cp);
    if (n == 0) {
      out.append("\xef\xbf\xbd");
      ++i;
      continue;
    }
    if (!xml_char(cp)) {
      out.append("\xef\xbf\xbd");
    } else if (cp == '&') {
      out.append("&amp;");
    } else if (cp == '<') {
      out.append("&lt;");
    } else if (cp == '>') {
      out.append("&gt;");
    } else if (attribute && cp == '"') {
      out.append("&quot;");
    } else if (attribute && cp == '\n') {
      out.append("&#10;");
    } else if (attribute && cp == '\r') {
      out.append("&#13;");
    } else if (attribute && cp == '\t') {
      out.append("&#9;");
    } else if (!attribute && cp == '\r') {
      // A bare CR in content would be normalised to LF by readers.
      out.append("&#13;");
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string attr(const char* name, std::string_view value) {
  return std::string(" ") + name + "=\"" + xml_escape(value, true) + "\"";
}

std::string seconds(double v) {
  char buf[64];
  // Negative or NaN durations (a clock step) would make viewers reject the file.
  std::snprintf(buf, sizeof buf, "%.3f", v >= 0 ? v : 0.0);
  return buf;
}

void append_property(std::string& out, const char* indent, const char* name, std::string_view value) {
  out.append(indent).append("<property").append(attr("name", name)).append(attr("value", value)).append("/>\n");
}

// "expected: ...\ngot: ...\nstep 3, message 5 (IKE_AUTH response #1 [...])".
std::string failure_body(const ScenarioResult& s) {
  std::string body;
  if (!s.expected.empty()) body += "expected: " + s.expected + "\n";
  if (!s.got.empty()) body += "got: " + s.got + "\n";
  std::string where;
  if (s.failed_step) where += "step " + std::to_string(*s.failed_step);
  if (s.failed_message) {
    if (!where.empty()) where += ", ";
    where += "message " + std::to_string(*s.failed_message);
    if (*s.failed_message < s.transcript.size())
      where += " (" + message_label(s.transcript[*s.failed_message]) + ")";
  }
  if (!where.empty()) body += where + "\n";
  return body;
}

std::string events_text(const ScenarioResult& s) {
  std::string t;
  for (const auto& e : s.events) t += e + "\n";
  return t;
}

struct SuiteTotals {
  std::size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  double time = 0;
  std::string body;
};

void append_testcase(SuiteTotals& suite, const std::string& suite_name, const std::string& name,
                     const ScenarioResult& s) {
  auto& out = suite.body;
  ++suite.tests;
  suite.time += s.duration;
  out.append("    <testcase")
      .append(attr("classname", suite_name))
      .append(attr("name", name))
      .append(attr("time", seconds(s.duration)))
      .append(">\n");
  out.append("      <properties>\n");
  append_property(out, "        ", "id", s.id);
  if (!s.title.empty()) append_property(out, "        ", "title", s.title);
  if (!s.reference.empty()) append_property(out, "        ", "reference", s.reference);
  if (!s.requirement.empty()) append_property(out, "        ", "requirement", s.requirement);
  if (!s.role.empty()) append_property(out, "        ", "role", s.role);
  std::string tags;
  for (const auto& t : s.tags) tags += (tags.empty() ? "" : ",") + t;
  if (!tags.empty()) append_property(out, "        ", "tags", tags);
  append_property(out, "        ", "verdict", verdict_name(s.verdict));
  if (s.verdict == Verdict::KnownDeviation) append_property(out, "        ", "known_deviation", s.reason);
  out.append("      </properties>\n");
  std::string system_out;
  switch (s.verdict) {
    case Verdict::Pass:
      break;
    case Verdict::Fail:
      ++suite.failures;
      out.append("      <failure")
          .append(attr("message", s.reason))
          .append(attr("type", "mismatch"))
          .append(">")
          .append(xml_escape(failure_body(s), false))
          .append("</failure>\n");
      system_out = events_text(s);
      break;
    case Verdict::Skip:
      ++suite.skipped;
      out.append("      <skipped").append(attr("message", s.reason)).append("/>\n");
      break;
    case Verdict::KnownDeviation:
      system_out = "known deviation (counts as passed): " + s.reason + "\n" + events_text(s);
      break;
    case Verdict::Error:
    default:
      ++suite.errors;
      out.append("      <error")
          .append(attr("message", s.reason))
          .append(attr("type", "harness"))
          .append(">")
          .append(xml_escape(s.reason, false))
          .append("</error>\n");
      system_out = events_text(s);
      break;
  }
  if (!system_out.empty())
    out.append("      <system-out>").append(xml_escape(system_out, false)).append("</system-out>\n");
  out.append("    </testcase>\n");
}

std::string junit_document(const RunResult& run) {
  // Suites in order of first appearance, testcases in run order.
  std::vector<std::string> order;
  std::map<std::string, SuiteTotals> suites;
  for (const auto& s : run.scenarios) {
    auto [suite, name] = split_id(s.id);
    auto [it, inserted] = suites.try_emplace(suite);
    if (inserted) order.push_back(suite);
    append_testcase(it->second, suite, name, s);
  }
  SuiteTotals all;
  for (const auto& [name, t] : suites) {
    all.tests += t.tests;
    all.failures += t.failures;
    all.errors += t.errors;
    all.skipped += t.skipped;
    all.time += t.time;
  }
  auto counts = [](const SuiteTotals& t) {
    return attr("tests", std::to_string(t.tests)) + attr("failures", std::to_string(t.failures)) +
           attr("errors", std::to_string(t.errors)) + attr("skipped", std::to_string(t.skipped)) +
           attr("time", seconds(t.time));
  };
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x.append("<testsuites").append(attr("name", "ikeharness")).append(counts(all)).append(">\n");
  for (const auto& name : order) {
    const auto& t = suites[name];
    x.append("  <testsuite").append(attr("name", name)).append(counts(t));
    if (!run.started.empty()) x.append(attr("timestamp", run.started));
    x.append(">\n    <properties>\n");
    append_property(x, "      ", "peer", run.peer);
    append_property(x, "      ", "seed", std::to_string(run.seed));
    x.append("    </properties>\n");
    x.append(t.body);
    x.append("  </testsuite>\n");
  }
  x.append("</testsuites>\n");
  return x;
}


std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace

nlohmann::ordered_json run_to_json(const RunResult& run) {
  nlohmann::ordered_json j;
  j["peer"] = run.peer;
  j["seed"] = run.seed;
  j["started"] = run.started;
  j["duration"] = run.duration;
  auto c = count_verdicts(run);
  j["counts"] = {{"pass", c.pass},   {"fail", c.fail},
                 {"skip", c.skip},   {"error", c.error},
                 {"known_deviation", c.known_deviation}, {"total", c.total()}};
  auto& scenarios = j["scenarios"] = nlohmann::ordered_json::array();
  for (const auto& s : run.scenarios) scenarios.push_back(scenario_to_json(s));
  return j;
}

core::Status write_results_json(const RunResult& run, const std::filesystem::path& file) {
  std::string text;
  try {
    text = dump(run_to_json(run), 2) + "\n";
  } catch (const std::exception& e) {
    return core::make_error(file.string(), std::string("cannot build the document: ") + e.what());
  }
  return write_file(file, text);
}

core::Status write_junit(const RunResult& run, const std::filesystem::path& file) {
  return write_file(file, junit_document(run));
}

core::Status write_html(const RunResult& run, const std::filesystem::path& file) {
  std::string data;
  try {
    auto j = run_to_json(run);
    // JavaScript numbers hold integers up to 2^53 only; the page shows this.
    j["seed_text"] = std::to_string(run.seed);
    data = dump(j, -1);
  } catch (const std::exception& e) {
    return core::make_error(file.string(), std::string("cannot build the document: ") + e.what());
  }
  // '<' only occurs inside JSON strings, where \u003c means the same.
  data = replace_all(std::move(data), "<", "\\u003c");
  std::string page(kReportTemplateHtml);
  std::string title = "ikeharness run";
  if (!run.peer.empty()) title += " against " + run.peer;
  if (!run.started.empty()) title += ", " + run.started;
  // Title first: the data may contain the placeholder text itself.
  page = replace_all(std::move(page), "@@TITLE@@", html_escape(title));
  auto at = page.find("@@RUN_DATA@@");
  if (at == std::string::npos) return core::make_error(file.string(), "the HTML template has no data placeholder");
  page.replace(at, std::string_view("@@RUN_DATA@@").size(), data);
  return write_file(file, page);
}

}  // namespace ikeh::reports
