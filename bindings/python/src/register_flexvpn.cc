// SPDX-License-Identifier: Apache-2.0
// flexvpn: the Cisco FlexVPN hub (flexvpn/hub.h) and spoke (flexvpn/spoke.h)
// models attached to a SteppedEngine, and the hub's JSON configuration
// (scenario/flexvpn_config.h). Registration only.
#include <optional>
#include <string>
#include <utility>

#include <pybind11/native_enum.h>

#include "bindings/python/src/common.h"
#include "harness/flexvpn/hub.h"
#include "harness/flexvpn/spoke.h"
#include "harness/scenario/flexvpn_config.h"
#include "harness/scenario/stepped_engine.h"
#include "harness/scenario/udp_driver.h"

namespace ikeh::python {

using flexvpn::Hub;
using flexvpn::HubEvent;
using flexvpn::HubInterface;
using flexvpn::HubRoute;
using flexvpn::HubSession;
using flexvpn::Spoke;
using flexvpn::SpokeEvent;
using flexvpn::SpokeRoute;
using flexvpn::SpokeSession;
using scenario::EndpointConfig;
using scenario::HubConfig;
using scenario::SteppedEngine;

namespace {

double seconds(core::TimePoint t) { return std::chrono::duration<double>(t).count(); }

py::object optional_bytes(const std::optional<core::Bytes>& b) {
  return b ? py::object(to_bytes(*b)) : py::object(py::none());
}

}  // namespace

void register_flexvpn(py::module_& m) {
  m.def(
      "flexvpn_supported_vid", [] { return to_bytes(flexvpn::flexvpn_supported_vid()); },
      "\"FLEXVPN-SUPPORTED\" as ASCII: the Vendor ID a FlexVPN spoke and hub put first in IKE_AUTH.");
  m.attr("kGroupNameAttribute") = flexvpn::kGroupNameAttribute;
  m.attr("kGroupPasswordAttribute") = flexvpn::kGroupPasswordAttribute;

  // ----- configuration -----
  py::class_<flexvpn::HubPolicy>(m, "HubPolicy",
                                 "A FlexVPN hub's IOS policy objects (keyrings, profiles, policies, AAA, pools, "
                                 "virtual templates). Opaque: it holds keys.")
      .def("__repr__", [](const flexvpn::HubPolicy& p) {
        return "<HubPolicy " + std::to_string(p.profiles.size()) + " profiles, " + std::to_string(p.keyrings.size()) +
               " keyrings, " + std::to_string(p.groups.size()) + " groups, " + std::to_string(p.pools.size()) +
               " pools>";
      });
  py::class_<HubConfig>(m, "HubConfig", "A whole hub file: the engine endpoint the hub runs on, and its policy.")
      .def_readonly("endpoint", &HubConfig::endpoint, "The hub's own endpoint configuration (EndpointConfig).")
      .def_readonly("policy", &HubConfig::policy, "The hub's policy (HubPolicy).");
  m.def(
      "parse_hub_config",
      [](const py::object& config, const std::string& source, const py::object& base_dir) {
        if (!py::isinstance<py::str>(config) && !py::isinstance<py::dict>(config))
          throw py::type_error("config must be a dict or JSON text");
        auto r = scenario::parse_hub_config(config_json_text(config), source, config_fspath(base_dir));
        if (!r) raise_config_error(r.error());
        return std::move(r).value();
      },
      py::arg("config"), py::arg("source") = "<config>", py::arg("base_dir") = ".",
      "Parses a hub document (a dict or JSON text; relative file names from base_dir). Raises ScenarioError with "
      "file and JSON pointer.");
  m.def(
      "load_hub_config",
      [](const py::object& path) {
        std::string p = config_fspath(path);
        auto r = scenario::load_hub_config(p);
        if (!r) raise_config_error(r.error());
        return std::move(r).value();
      },
      py::arg("path"), "Reads and parses a hub file (scenarios/flexvpn/configs/hub.json). Raises ScenarioError.");
  m.def(
      "hub_engine_config",
      [](const EndpointConfig& c) {
        EndpointConfig out = c;
        out.engine = flexvpn::hub_engine_config(std::move(out.engine));
        return out;
      },
      py::arg("config"),
      "The endpoint configured as IOS behaves (FLEXVPN-SUPPORTED VID, SET_WINDOW_SIZE 5, no local PSK: the "
      "keyring's key is used).");
  m.def(
      "spoke_engine_config",
      [](const EndpointConfig& c, std::optional<std::string> group, const py::object& group_password,
         uint32_t window_size, bool initial_contact) {
        flexvpn::SpokeOptions o;
        o.group = std::move(group);
        if (!group_password.is_none()) {
          core::Bytes pw = py::isinstance<py::str>(group_password)
                               ? [&] {
                                   std::string s = group_password.cast<std::string>();
                                   return core::Bytes(s.begin(), s.end());
                                 }()
                               : from_buffer(group_password);
          o.group_password = crypto::Secret(pw);
        }
        o.window_size = window_size;
        o.initial_contact = initial_contact;
        EndpointConfig out = c;
        out.engine = flexvpn::spoke_engine_config(std::move(out.engine), o);
        return out;
      },
      py::arg("config"), py::kw_only(), py::arg("group") = py::none(), py::arg("group_password") = py::none(),
      py::arg("window_size") = 5, py::arg("initial_contact") = true,
      "A FlexVPN spoke's configuration from `config`: FLEXVPN-SUPPORTED first, CFG_REQUEST with "
      "INTERNAL_IP4_ADDRESS and the group name/password attributes (16521/16522), INITIAL_CONTACT, "
      "SET_WINDOW_SIZE.");

  // ----- the hub -----
  py::class_<HubEvent> hub_event(m, "HubEvent", "One line of the hub's log, as the router's debug trace reads.");
  py::native_enum<HubEvent::Style>(hub_event, "Style", "enum.Enum", "How line() prints the ids.")
      .value("SessionAndSa", HubEvent::Style::SessionAndSa)
      .value("SaOnly", HubEvent::Style::SaOnly)
      .value("NoIds", HubEvent::Style::NoIds)
      .value("Syslog", HubEvent::Style::Syslog)
      .finalize();
  hub_event.def_property_readonly("time", [](const HubEvent& e) { return seconds(e.time); }, "Virtual time, seconds.")
      .def_readonly("session", &HubEvent::session, "SESSION ID.")
      .def_readonly("sa", &HubEvent::sa, "SA ID (the engine's IKE SA serial).")
      .def_readonly("style", &HubEvent::style, "How line() prints it.")
      .def_readonly("text", &HubEvent::text, "The text without ids.")
      .def("line", &HubEvent::line, "The line as the trace prints it (\"IKEv2:(SESSION ID = 1,SA ID = 1):...\").")
      .def("__str__", &HubEvent::line)
      .def("__repr__", [](const HubEvent& e) { return "<HubEvent " + e.line() + ">"; });

  py::class_<HubRoute>(m, "HubRoute", "A route of the hub's table, installed from a spoke's CFG_SET.")
      .def_property_readonly("prefix", [](const HubRoute& r) { return to_bytes(r.prefix); }, "4 octets.")
      .def_property_readonly("mask", [](const HubRoute& r) { return to_bytes(r.mask); }, "4 octets.")
      .def_readonly("interface", &HubRoute::interface, "\"Virtual-Access1\".")
      .def_readonly("vrf", &HubRoute::vrf, "\"global\".")
      .def_readonly("sa", &HubRoute::sa, "The IKE SA that pushed it.")
      .def("__repr__", [](const HubRoute& r) {
        return "<HubRoute " + scenario::address_text(r.prefix) + " " + scenario::address_text(r.mask) + " via " +
               r.interface + " in vrf " + r.vrf + ">";
      });

  py::class_<HubInterface>(m, "HubInterface", "A Virtual-Access interface cloned from a virtual template.")
      .def_readonly("name", &HubInterface::name, "\"Virtual-Access1\".")
      .def_readonly("virtual_template", &HubInterface::virtual_template, "The template number.")
      .def_readonly("up", &HubInterface::up, "Whether it is up.")
      .def_readonly("sa", &HubInterface::sa, "The IKE SA it serves (its last one, once down).")
      .def("__repr__", [](const HubInterface& i) {
        return "<HubInterface " + i.name + (i.up ? " up" : " down") + " sa=" + std::to_string(i.sa) + ">";
      });

  py::class_<HubSession>(m, "HubSession", "One hub session: an IKE SA the hub authenticated (and its successors).")
      .def_readonly("id", &HubSession::id, "SESSION ID.")
      .def_readonly("sa", &HubSession::sa, "Its current IKE SA serial.")
      .def_readonly("profile", &HubSession::profile, "The IKEv2 profile (\"\" when none matched).")
      .def_readonly("keyring_peer", &HubSession::keyring_peer, "The matched keyring peer block.")
      .def_readonly("group", &HubSession::group, "The AAA group authorized.")
      .def_property_readonly("address", [](const HubSession& s) { return optional_bytes(s.address); },
                             "The address leased from the group's pool, or None.")
      .def_readonly("interface", &HubSession::interface, "Its Virtual-Access interface, or None.")
      .def_readonly("active", &HubSession::active, "False once its IKE SA is gone.")
      .def("__repr__", [](const HubSession& s) {
        return "<HubSession " + std::to_string(s.id) + " sa=" + std::to_string(s.sa) + " profile='" + s.profile +
               "'" + (s.active ? " active" : " gone") + ">";
      });

  py::class_<Hub>(m, "Hub",
                  "A Cisco FlexVPN hub run on an engine: profile/keyring lookup, AAA authorization answering "
                  "CFG_REQUEST, Virtual-Access interfaces, CFG_SET routes, INITIAL_CONTACT replacement, and a log "
                  "like `debug crypto ikev2`.")
      .def_static(
          "attach",
          [](SteppedEngine& engine, const py::object& policy, const py::object& local_address, const std::string& fvrf,
             const std::string& route_vrf, uint64_t first_session_id, bool keep_events) {
            if (!py::isinstance<HubConfig>(policy) && !py::isinstance<flexvpn::HubPolicy>(policy))
              throw py::type_error("policy must be a HubConfig or a HubPolicy");
            flexvpn::HubPolicy p = py::isinstance<HubConfig>(policy) ? policy.cast<HubConfig>().policy
                                                                      : policy.cast<flexvpn::HubPolicy>();
            Hub::Options o;
            if (!local_address.is_none()) {
              if (py::isinstance<py::str>(local_address)) {
                auto a = scenario::address_bytes(local_address.cast<std::string>());
                if (!a) throw py::value_error(a.error().to_string());
                o.local_address = std::move(a).value();
              } else {
                o.local_address = from_buffer(local_address);
              }
            }
            o.fvrf = fvrf;
            o.route_vrf = route_vrf;
            o.first_session_id = first_session_id;
            o.keep_events = keep_events;
            return unwrap(Hub::attach(engine.engine(), std::move(p), std::move(o)), "EngineError");
          },
          py::arg("engine"), py::arg("policy"), py::kw_only(), py::arg("local_address") = py::none(),
          py::arg("fvrf") = "global", py::arg("route_vrf") = "global", py::arg("first_session_id") = 1,
          py::arg("keep_events") = true, py::keep_alive<0, 1>(),
          "Attaches a hub with `policy` (a HubPolicy or HubConfig) to a SteppedEngine configured by "
          "hub_engine_config(). local_address: the hub's address for policy matching (default: the engine's). "
          "Raises EngineError for an inconsistent policy or an engine with a local PSK.")
      .def("events", &Hub::events, "Every line logged so far (HubEvent).")
      .def("lines", &Hub::lines, "Every event's line(), in order.")
      .def("routes", &Hub::routes, "The routes currently installed.")
      .def("interfaces", &Hub::interfaces, "Every Virtual-Access interface created, in creation order.")
      .def("sessions", &Hub::sessions, "Every session, active or not, in creation order.")
      .def("session_of", &Hub::session_of, py::arg("sa"), "The session of an IKE SA serial, or None.");

  // ----- the spoke -----
  {
    py::native_enum<flexvpn::CfgSetOutcome> e(m, "CfgSetOutcome", "enum.Enum",
                                              "How the peer answered a CFG_SET (RFC 7296 3.15.1).");
#define IKEH_X(name) e.value(#name, flexvpn::CfgSetOutcome::name);
    IKEH_CFG_SET_OUTCOMES(IKEH_X)
#undef IKEH_X
    e.finalize();
  }
  m.def("classify_cfg_ack", &flexvpn::classify_cfg_ack, py::arg("sent"), py::arg("ack"),
        "Classifies the CFG_ACK attributes received for `sent` (ack None: the answer had no CP).");

  py::class_<SpokeEvent>(m, "SpokeEvent", "One line of the spoke model's log.")
      .def_property_readonly("time", [](const SpokeEvent& e) { return seconds(e.time); }, "Virtual time, seconds.")
      .def_readonly("sa", &SpokeEvent::sa, "The IKE SA serial.")
      .def_readonly("text", &SpokeEvent::text, "The line.")
      .def("__str__", [](const SpokeEvent& e) { return e.text; })
      .def("__repr__",
           [](const SpokeEvent& e) { return "<SpokeEvent sa=" + std::to_string(e.sa) + " " + e.text + ">"; });
  py::class_<SpokeRoute>(m, "SpokeRoute", "A route received in INTERNAL_IP4_SUBNET.")
      .def_property_readonly("prefix", [](const SpokeRoute& r) { return to_bytes(r.prefix); }, "4 octets.")
      .def_property_readonly("mask", [](const SpokeRoute& r) { return to_bytes(r.mask); }, "4 octets.");
  py::class_<SpokeSession>(m, "SpokeSession", "What the spoke made of one IKE SA's configuration exchange.")
      .def_readonly("sa", &SpokeSession::sa, "The IKE SA serial.")
      .def_readonly("applied", &SpokeSession::applied, "A CFG_REPLY was applied.")
      .def_readonly("cfg_reply_rejected", &SpokeSession::cfg_reply_rejected, "A CFG_REPLY came without CFG_REQUEST.")
      .def_property_readonly("address", [](const SpokeSession& s) { return optional_bytes(s.address); },
                             "INTERNAL_IP4_ADDRESS received, or None.")
      .def_property_readonly("netmask", [](const SpokeSession& s) { return optional_bytes(s.netmask); },
                             "INTERNAL_IP4_NETMASK received, or None.")
      .def_property_readonly(
          "dns",
          [](const SpokeSession& s) {
            py::list out;
            for (const auto& d : s.dns) out.append(to_bytes(d));
            return out;
          },
          "INTERNAL_IP4_DNS received.")
      .def_readonly("routes", &SpokeSession::routes, "Routes received (SpokeRoute).")
      .def_readonly("cfg_set_sent", &SpokeSession::cfg_set_sent, "The CFG_SET attributes sent.")
      .def_readonly("cfg_ack", &SpokeSession::cfg_ack, "The CFG_ACK attributes received (None: no CP).")
      .def_readonly("cfg_set", &SpokeSession::cfg_set, "The CFG_SET outcome (CfgSetOutcome).");

  py::class_<Spoke>(m, "Spoke",
                    "The FlexVPN spoke model on an initiator engine: applies the CFG_REPLY and pushes its host "
                    "route back with CFG_SET.")
      .def_static(
          "attach",
          [](SteppedEngine& engine, bool send_cfg_set, double cfg_set_delay) {
            if (!(cfg_set_delay >= 0 && cfg_set_delay < 3.2e9))
              throw py::value_error("cfg_set_delay: 0 or more seconds");
            Spoke::Options o;
            o.send_cfg_set = send_cfg_set;
            o.cfg_set_delay = std::chrono::duration_cast<core::Duration>(std::chrono::duration<double>(cfg_set_delay));
            return Spoke::attach(engine.engine(), o);
          },
          py::arg("engine"), py::kw_only(), py::arg("send_cfg_set") = true, py::arg("cfg_set_delay") = 0.0,
          py::keep_alive<0, 1>(),
          "Watches a SteppedEngine configured by spoke_engine_config(). The CFG_SET is queued on the engine's clock "
          "`cfg_set_delay` seconds after the IKE SA is established (it leaves on the next advance()).")
      .def("events", &Spoke::events, "The spoke's log.")
      .def("session", &Spoke::session, py::arg("sa"), "One IKE SA's configuration outcome, or None.")
      .def("sessions", &Spoke::sessions, "Every session, by serial.");
}

}  // namespace ikeh::python
