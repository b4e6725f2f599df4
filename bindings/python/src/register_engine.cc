// SPDX-License-Identifier: Apache-2.0
// engine: an initiator or responder stepped message by message
// (scenario::SteppedEngine), its configuration from the JSON language of the
// configuration files (scenario/engine_config.h), the virtual clock it runs
// on, and read-only views of its SAs and events. Registration only.
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>

#include <pybind11/native_enum.h>

#include "bindings/python/src/common.h"
#include "harness/codec/message.h"
#include "harness/crypto/key_table.h"
#include "harness/engine/engine.h"
#include "harness/engine/events.h"
#include "harness/scenario/engine_config.h"
#include "harness/scenario/stepped_engine.h"
#include "harness/scenario/udp_driver.h"

namespace ikeh::python {

using engine::ChildSaInfo;
using engine::Endpoint;
using engine::Event;
using engine::IkeSaInfo;
using engine::Route;
using scenario::EndpointConfig;
using scenario::NetworkConfig;
using scenario::SteppedDatagram;
using scenario::SteppedEngine;

namespace {

double seconds(core::TimePoint t) { return std::chrono::duration<double>(t).count(); }

// Seconds from Python as a Duration; NaN, infinities and spans beyond a
// century are refused (ValueError).
core::Duration duration(double s) {
  if (!std::isfinite(s) || std::fabs(s) > 3.2e9) throw py::value_error("seconds must be a finite number");
  return std::chrono::duration_cast<core::Duration>(std::chrono::duration<double>(s));
}

}  // namespace

// An EndpointConfig from an EndpointConfig, an EngineConfig, a dict, JSON text
// or a path (os.PathLike) of a configuration file. Errors: ScenarioError.
EndpointConfig endpoint_config_from(const py::object& config, const std::string& source, const std::string& base_dir) {
  if (py::isinstance<EndpointConfig>(config)) return config.cast<EndpointConfig>();
  if (py::isinstance<engine::EngineConfig>(config)) {
    EndpointConfig c;
    c.engine = config.cast<engine::EngineConfig>();
    return c;
  }
  if (config_is_path(config)) {
    std::string path = config_fspath(config);
    auto r = scenario::load_endpoint_config(path);
    if (!r) raise_config_error(r.error());
    return std::move(r).value();
  }
  if (!py::isinstance<py::str>(config) && !py::isinstance<py::dict>(config))
    throw py::type_error("config must be a dict, JSON text, a path, EndpointConfig or EngineConfig");
  auto r = scenario::parse_endpoint_config(config_json_text(config), source, base_dir);
  if (!r) raise_config_error(r.error());
  return std::move(r).value();
}

void register_engine(py::module_& m) {
  // ----- enums -----
  {
    py::native_enum<engine::IkeSaState> e(m, "IkeSaState", "enum.Enum",
                                          "IKE SA states (the observable stages of strongSwan's ike_sa_t).");
#define IKEH_X(name) e.value(#name, engine::IkeSaState::name);
    IKEH_IKE_SA_STATES(IKEH_X)
#undef IKEH_X
    e.finalize();
  }
  {
    py::native_enum<engine::ChildSaState> e(m, "ChildSaState", "enum.Enum", "Child SA states.");
#define IKEH_X(name) e.value(#name, engine::ChildSaState::name);
    IKEH_CHILD_SA_STATES(IKEH_X)
#undef IKEH_X
    e.finalize();
  }
  py::native_enum<engine::EventKind>(m, "EventKind", "enum.Enum", "What an engine event reports.")
      .value("IkeSaState", engine::EventKind::IkeSaState)
      .value("ChildSaState", engine::EventKind::ChildSaState)
      .value("MessageSent", engine::EventKind::MessageSent)
      .value("MessageReceived", engine::EventKind::MessageReceived)
      .value("Retransmit", engine::EventKind::Retransmit)
      .value("Decision", engine::EventKind::Decision)
      .value("Error", engine::EventKind::Error)
      .finalize();

  // ----- time -----
  py::class_<core::VirtualClock, std::shared_ptr<core::VirtualClock>>(
      m, "VirtualClock",
      "Time that moves only when told to; timers fire in time order. Engines sharing one run on one timeline.")
      .def(py::init([](double start) {
             return std::make_shared<core::VirtualClock>(core::TimePoint{duration(start)});
           }),
           py::arg("start") = 0.0, "A clock at `start` seconds.")
      .def_property_readonly("now", [](const core::VirtualClock& c) { return seconds(c.now()); },
                             "The current time in seconds.")
      .def("advance", [](core::VirtualClock& c, double s) { return c.advance(duration(s)); }, py::arg("seconds"),
           "Moves time on by `seconds`, firing every timer due; returns how many fired.")
      .def("advance_to", [](core::VirtualClock& c, double t) { return c.advance_to(core::TimePoint{duration(t)}); },
           py::arg("time"), "Moves time to `time` seconds (never back), firing the timers due; returns how many.")
      .def("run_next", &core::VirtualClock::run_next,
           "Fires the earliest pending timer, moving time to it; False when none is pending.")
      .def("pending", &core::VirtualClock::pending, "Timers scheduled and neither fired nor cancelled.")
      .def("next_due",
           [](const core::VirtualClock& c) -> py::object {
             auto d = c.next_due();
             return d ? py::object(py::float_(seconds(*d))) : py::object(py::none());
           },
           "Due time in seconds of the earliest pending timer; None when none is pending.")
      .def("__repr__", [](const core::VirtualClock& c) {
        return "<VirtualClock now=" + std::to_string(seconds(c.now())) + " pending=" + std::to_string(c.pending()) +
               ">";
      });

  // ----- addresses -----
  py::class_<Endpoint>(m, "Endpoint", "A transport address: the IP address (4 or 16 bytes) and the UDP port.")
      .def(py::init([](const py::object& address, std::optional<uint16_t> port) {
             Endpoint e;
             if (py::isinstance<py::str>(address)) {
               auto hp = scenario::parse_host_port(address.cast<std::string>());
               if (!hp) throw py::value_error(hp.error().to_string());
               auto bytes = scenario::address_bytes(hp->address);
               if (!bytes) throw py::value_error(bytes.error().to_string());
               e.address = std::move(bytes).value();
               e.port = port.value_or(hp->port.value_or(500));
             } else {
               e.address = from_buffer(address);
               if (e.address.size() != 4 && e.address.size() != 16)
                 throw py::value_error("an address is 4 (IPv4) or 16 (IPv6) bytes");
               e.port = port.value_or(500);
             }
             return e;
           }),
           py::arg("address"), py::arg("port") = py::none(),
           "From text (\"10.0.0.1\", \"10.0.0.1:500\", \"[2001:db8::1]:4500\") or address bytes; port 500 unless "
           "given.")
      .def_readwrite("address", &Endpoint::address, "The address in network order (bytes).")
      .def_readwrite("port", &Endpoint::port, "The UDP port.")
      .def_property_readonly("address_text", [](const Endpoint& e) { return scenario::address_text(e.address); },
                             "The address as text (\"10.0.0.1\").")
      .def(
          "__eq__",
          [](const Endpoint& a, const py::object& other) -> py::object {
            if (!py::isinstance<Endpoint>(other)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
            const auto& b = other.cast<const Endpoint&>();
            return py::bool_(a.address == b.address && a.port == b.port);
          },
          py::arg("other"), "Same address and port.")
      .def("__hash__", [](const Endpoint& e) { return py::hash(py::make_tuple(to_bytes(e.address), e.port)); })
      .def("__str__", [](const Endpoint& e) { return scenario::endpoint_text(e); })
      .def("__repr__", [](const Endpoint& e) { return "Endpoint('" + scenario::endpoint_text(e) + "')"; });
  py::implicitly_convertible<py::str, Endpoint>();

  py::class_<Route>(m, "Route", "Where a datagram goes or came from: the peer's address, and whether on NAT-T.")
      .def(py::init([](const Endpoint& remote, bool natt) { return Route{remote, natt}; }), py::arg("remote"),
           py::arg("natt") = false, "A route to or from `remote`; natt: on the NAT-T port with the non-ESP marker.")
      .def_readwrite("remote", &Route::remote, "The peer's address and port.")
      .def_readwrite("natt", &Route::natt, "On the NAT-T port (RFC 3948 non-ESP marker).")
      .def("__repr__", [](const Route& r) {
        return "Route('" + scenario::endpoint_text(r.remote) + "'" + (r.natt ? ", natt=True" : "") + ")";
      });

  py::class_<SteppedDatagram>(m, "SteppedDatagram",
                              "One datagram an engine sent (an IKE message without the non-ESP marker).")
      .def(py::init([](const py::object& data, const Endpoint& source, const Route& destination, double time) {
             return SteppedDatagram{from_buffer(data), source, destination, core::TimePoint{duration(time)}};
           }),
           py::arg("data"), py::arg("source"), py::arg("destination"), py::arg("time") = 0.0,
           "A datagram built by hand (to inject one).")
      .def_property(
          "data", [](const SteppedDatagram& d) { return to_bytes(d.data); },
          [](SteppedDatagram& d, const py::object& b) { d.data = from_buffer(b); },
          "The message bytes; may be replaced before the datagram is delivered.")
      .def_readwrite("source", &SteppedDatagram::source, "The sender's address (its NAT-T port when on NAT-T).")
      .def_readwrite("destination", &SteppedDatagram::destination, "Where it goes, and whether on NAT-T.")
      .def_property_readonly("time", [](const SteppedDatagram& d) { return seconds(d.time); },
                             "Virtual time of sending, in seconds.")
      .def("__len__", [](const SteppedDatagram& d) { return d.data.size(); })
      .def("__repr__", [](const SteppedDatagram& d) {
        return "<SteppedDatagram " + scenario::endpoint_text(d.source) + " -> " +
               scenario::endpoint_text(d.destination.remote) + (d.destination.natt ? " natt" : "") + " " +
               std::to_string(d.data.size()) + " bytes at " + std::to_string(seconds(d.time)) + "s>";
      });

  // ----- configuration -----
  py::class_<NetworkConfig>(m, "NetworkConfig", "A configuration's \"network\" section (addresses and ports).")
      .def_readonly("local_address", &NetworkConfig::local_address, "This side's address (text).")
      .def_readonly("local_port", &NetworkConfig::local_port, "This side's IKE port.")
      .def_readonly("local_natt_port", &NetworkConfig::local_natt_port, "This side's NAT-T port, or None.")
      .def_readonly("remote_address", &NetworkConfig::remote_address, "The peer's address (text), or None.")
      .def_readonly("remote_port", &NetworkConfig::remote_port, "The peer's IKE port.")
      .def_readonly("remote_natt_port", &NetworkConfig::remote_natt_port, "The peer's NAT-T port.");

  py::class_<engine::EngineConfig>(
      m, "EngineConfig",
      "One endpoint's engine settings, as parsed and validated from the configuration language (docs/config.md). "
      "Opaque: it holds credentials.")
      .def_readonly("window_size", &engine::EngineConfig::window_size, "The window announced (SET_WINDOW_SIZE).")
      .def_readonly("nonce_size", &engine::EngineConfig::nonce_size, "Ni/Nr length in bytes.")
      .def_readonly("initial_contact", &engine::EngineConfig::initial_contact,
                    "Whether the first IKE_AUTH carries N(INITIAL_CONTACT).")
      .def("__repr__", [](const engine::EngineConfig& c) {
        return "<EngineConfig " + std::to_string(c.ike_policy.suites.size()) + " IKE suites, " +
               std::to_string(c.child_policy.suites.size()) + " ESP suites>";
      });

  py::class_<EndpointConfig>(m, "EndpointConfig", "A whole configuration document: the engine and its network.")
      .def_readonly("engine", &EndpointConfig::engine, "The engine's settings.")
      .def_readonly("network", &EndpointConfig::network, "The network section.");

  m.def(
      "parse_endpoint_config",
      [](const py::object& config, const std::string& source, const py::object& base_dir) {
        if (!py::isinstance<py::str>(config) && !py::isinstance<py::dict>(config))
          throw py::type_error("config must be a dict or JSON text");
        auto r = scenario::parse_endpoint_config(config_json_text(config), source, config_fspath(base_dir));
        if (!r) raise_config_error(r.error());
        return std::move(r).value();
      },
      py::arg("config"), py::arg("source") = "<config>", py::arg("base_dir") = ".",
      "Parses a configuration (a dict or JSON text; relative file names from base_dir). Raises ScenarioError with "
      "file (source) and JSON pointer.");
  m.def(
      "load_endpoint_config",
      [](const py::object& path) {
        std::string p = config_fspath(path);
        auto r = scenario::load_endpoint_config(p);
        if (!r) raise_config_error(r.error());
        return std::move(r).value();
      },
      py::arg("path"), "Reads and parses a configuration file. Raises ScenarioError.");
  m.def(
      "parse_engine_config",
      [](const py::object& config, const std::string& source, const py::object& base_dir) {
        if (!py::isinstance<py::str>(config) && !py::isinstance<py::dict>(config))
          throw py::type_error("config must be a dict or JSON text");
        auto r = scenario::parse_engine_config(config_json_text(config), source, config_fspath(base_dir));
        if (!r) raise_config_error(r.error());
        return std::move(r).value();
      },
      py::arg("config"), py::arg("source") = "<config>", py::arg("base_dir") = ".",
      "The engine's part of a configuration (a dict or JSON text). Raises ScenarioError.");
  m.def(
      "load_engine_config",
      [](const py::object& path) {
        std::string p = config_fspath(path);
        auto r = scenario::load_engine_config(p);
        if (!r) raise_config_error(r.error());
        return std::move(r).value();
      },
      py::arg("path"), "The engine's part of a configuration file. Raises ScenarioError.");

  // ----- events and SA views -----
  py::class_<Event>(m, "Event", "One engine event: a state change, a message sent or received, a decision, an error.")
      .def_property_readonly("time", [](const Event& e) { return seconds(e.time); }, "Virtual time in seconds.")
      .def_readonly("kind", &Event::kind, "What the event reports (EventKind).")
      .def_readonly("ike_sa", &Event::ike_sa, "The IKE SA's serial (0: none).")
      .def_readonly("child", &Event::child, "The Child SA's id (0: none).")
      .def_readonly("ike_state", &Event::ike_state, "IkeSaState events: the new state.")
      .def_readonly("child_state", &Event::child_state, "ChildSaState events: the new state.")
      .def_readonly("exchange", &Event::exchange, "Message events: the exchange type.")
      .def_readonly("response", &Event::response, "Message events: a response.")
      .def_readonly("message_id", &Event::message_id, "Message events: the Message ID.")
      .def_readonly("spi_i", &Event::spi_i, "Message events: SPIi.")
      .def_readonly("spi_r", &Event::spi_r, "Message events: SPIr.")
      .def_readonly("payloads", &Event::payloads,
                    "Message events: the payload chain (the decrypted inner one for encrypted messages).")
      .def_property_readonly(
          "datagrams",
          [](const Event& e) {
            py::list out;
            for (const auto& d : e.datagrams) out.append(to_bytes(d));
            return out;
          },
          "Message events: the datagrams as sent or received (each fragment).")
      .def_readonly("retransmission", &Event::retransmission, "MessageSent: sent again unchanged.")
      .def_readonly("detail", &Event::detail, "One line for people.")
      .def_property_readonly("kind_name", [](const Event& e) { return std::string(engine::event_kind_name(e.kind)); },
                             "The kind's name.")
      .def("__str__", &engine::format_event)
      .def("__repr__", [](const Event& e) { return "<Event " + engine::format_event(e) + ">"; });

  py::class_<ChildSaInfo>(m, "ChildSaInfo", "A read-only view of one Child SA (keys only through keys()).")
      .def_readonly("id", &ChildSaInfo::id, "The engine-local id.")
      .def_readonly("state", &ChildSaInfo::state, "ChildSaState.")
      .def_readonly("transport_mode", &ChildSaInfo::transport_mode, "Transport mode (else tunnel).")
      .def_readonly("we_initiated", &ChildSaInfo::we_initiated, "This side created it as exchange initiator.")
      .def_property_readonly("spi_i", [](const ChildSaInfo& c) { return to_bytes(c.sa.spi_i); },
                             "The creating exchange initiator's inbound SPI.")
      .def_property_readonly("spi_r", [](const ChildSaInfo& c) { return to_bytes(c.sa.spi_r); },
                             "The creating exchange responder's inbound SPI.")
      .def_property_readonly("inbound_spi", [](const ChildSaInfo& c) { return to_bytes(c.inbound_spi()); },
                             "The SPI this side receives ESP with.")
      .def_property_readonly("outbound_spi", [](const ChildSaInfo& c) { return to_bytes(c.outbound_spi()); },
                             "The SPI this side sends ESP with.")
      .def_property_readonly("tsi", [](const ChildSaInfo& c) { return c.sa.tsi; }, "TSi as narrowed.")
      .def_property_readonly("tsr", [](const ChildSaInfo& c) { return c.sa.tsr; }, "TSr as narrowed.")
      .def_property_readonly(
          "suite", [](const ChildSaInfo& c) { return c.sa.selection.suite.to_string(codec::ProtocolId::ESP); },
          "The chosen ESP suite as text (\"ENCR_AES_GCM_16 256 / NO_ESN\").")
      .def(
          "keys",
          [](const ChildSaInfo& c) {
            py::dict d;
            d["encr_i"] = to_bytes(c.sa.keys.encr_i.view());
            d["integ_i"] = to_bytes(c.sa.keys.integ_i.view());
            d["encr_r"] = to_bytes(c.sa.keys.encr_r.view());
            d["integ_r"] = to_bytes(c.sa.keys.integ_r.view());
            return d;
          },
          "The KEYMAT (RFC 7296 2.17) as a dict encr_i/integ_i/encr_r/integ_r: key export, call it only when asked.")
      .def("__repr__", [](const ChildSaInfo& c) {
        return "<ChildSaInfo " + std::to_string(c.id) + " " + engine::state_name(c.state) + " in " +
               core::to_hex(c.inbound_spi()) + " out " + core::to_hex(c.outbound_spi()) + ">";
      });

  py::class_<IkeSaInfo>(m, "IkeSaInfo", "A read-only view of one IKE SA (no keys).")
      .def_readonly("serial", &IkeSaInfo::serial, "The engine-local serial.")
      .def_readonly("state", &IkeSaInfo::state, "IkeSaState.")
      .def_readonly("original_initiator", &IkeSaInfo::original_initiator, "This side started it.")
      .def_readonly("spi_i", &IkeSaInfo::spi_i, "SPIi.")
      .def_readonly("spi_r", &IkeSaInfo::spi_r, "SPIr (0 before the IKE_SA_INIT response).")
      .def_readonly("route", &IkeSaInfo::route, "The peer's route.")
      .def_property_readonly(
          "suite",
          [](const IkeSaInfo& i) -> py::object {
            if (!i.suite) return py::none();
            return py::str(i.suite->to_string(codec::ProtocolId::IKE));
          },
          "The chosen IKE suite as text, or None before IKE_SA_INIT completed.")
      .def_readonly("group", &IkeSaInfo::group, "The key exchange group (DhGroup).")
      .def_readonly("peer_id", &IkeSaInfo::peer_id, "The peer's identity (IdPayload; empty until authenticated).")
      .def_readonly("children", &IkeSaInfo::children, "Every Child SA, deleted ones included.")
      .def_readonly("cp_attributes", &IkeSaInfo::cp_attributes,
                    "CFG_REPLY attributes received (initiator) or sent (responder).")
      .def_property_readonly(
          "assigned_address",
          [](const IkeSaInfo& i) -> py::object {
            return i.assigned_address ? py::object(to_bytes(*i.assigned_address)) : py::object(py::none());
          },
          "The address assigned from the pool (responder), or None.")
      .def_readonly("replaced_by", &IkeSaInfo::replaced_by, "The serial of the IKE SA that rekeyed it (0: none).")
      .def_readonly("peer_window", &IkeSaInfo::peer_window, "The peer's window (SET_WINDOW_SIZE).")
      .def_readonly("fragmentation", &IkeSaInfo::fragmentation, "RFC 7383 fragmentation negotiated.")
      .def_readonly("nat_detected", &IkeSaInfo::nat_detected, "A NAT was detected.")
      .def_readonly("peer_redirect_supported", &IkeSaInfo::peer_redirect_supported,
                    "The peer sent REDIRECT_SUPPORTED.")
      .def_readonly("retransmissions", &IkeSaInfo::retransmissions, "Requests of this SA sent again.")
      .def("__repr__", [](const IkeSaInfo& i) {
        char spis[48];
        std::snprintf(spis, sizeof spis, "%016llx/%016llx", static_cast<unsigned long long>(i.spi_i),
                      static_cast<unsigned long long>(i.spi_r));
        return "<IkeSaInfo " + std::to_string(i.serial) + " " + engine::state_name(i.state) + " " + spis + " " +
               (i.original_initiator ? "initiator" : "responder") + " children=" +
               std::to_string(i.children.size()) + ">";
      });

  // ----- the stepped engine -----
  py::class_<SteppedEngine>(
      m, "SteppedEngine",
      "One IKEv2 endpoint (both roles) stepped by hand: take() the datagrams it sent, receive() what arrives, "
      "advance() virtual time to fire retransmissions and lifetimes.")
      .def_static(
          "create",
          [](const py::object& config, const std::optional<Endpoint>& local, std::optional<uint16_t> natt_port,
             const std::string& name, std::optional<uint64_t> seed, bool export_keys, bool keep_events,
             std::optional<std::shared_ptr<core::VirtualClock>> clock, const std::string& source,
             const py::object& base_dir) {
            EndpointConfig c = endpoint_config_from(config, source, config_fspath(base_dir));
            scenario::SteppedEngineOptions o;
            o.local = local;
            o.natt_port = natt_port;
            o.name = name;
            o.seed = seed;
            o.export_keys = export_keys;
            o.keep_events = keep_events;
            return unwrap(SteppedEngine::create(std::move(c), std::move(o), clock.value_or(nullptr)), "EngineError");
          },
          py::arg("config"), py::kw_only(), py::arg("local") = py::none(), py::arg("natt_port") = py::none(),
          py::arg("name") = "engine", py::arg("seed") = py::none(), py::arg("export_keys") = false,
          py::arg("keep_events") = true, py::arg("clock") = py::none(), py::arg("source") = "<config>",
          py::arg("base_dir") = ".",
          "An engine from a configuration: a dict or JSON text in the configuration language (relative file names "
          "from base_dir; errors name `source`), a path of a file, an EndpointConfig or an EngineConfig. local: "
          "this side's address (default: the network section's). seed: deterministic SPIs, nonces and DH values "
          "(None: random). clock: a VirtualClock shared with other engines (None: its own). Raises ScenarioError "
          "for configuration mistakes, EngineError when the engine refuses the configuration.")
      .def_property_readonly("clock", &SteppedEngine::shared_clock, "The VirtualClock it runs on.")
      .def_property_readonly("now", [](SteppedEngine& s) { return seconds(s.clock().now()); },
                             "The clock's time in seconds.")
      .def_property_readonly("local", &SteppedEngine::local, "This side's address.")
      .def_property_readonly("natt_port", &SteppedEngine::natt_port, "This side's NAT-T port.")
      .def_property_readonly("network", &SteppedEngine::network, "The configuration's network section.")
      .def_property_readonly("name", [](SteppedEngine& s) { return s.engine().env().name; }, "The name in events.")
      .def("take", &SteppedEngine::take,
           "The datagrams sent since the last take(), oldest first (the queue is emptied).")
      .def("queued", &SteppedEngine::queued, "How many datagrams wait to be taken.")
      .def(
          "receive", [](SteppedEngine& s, const SteppedDatagram& d) { s.receive(d); }, py::arg("datagram"),
          "Hands a datagram another engine sent to this one (from its source, on NAT-T when sent there).")
      .def(
          "receive",
          [](SteppedEngine& s, const py::object& data, const Route& from) { s.receive(from_buffer(data), from); },
          py::arg("data"), py::arg("from_"), "Hands one IKE message (no non-ESP marker) to the engine, from a Route.")
      .def(
          "receive",
          [](SteppedEngine& s, const py::object& data, const Endpoint& from, bool natt) {
            s.receive(from_buffer(data), Route{from, natt});
          },
          py::arg("data"), py::arg("from_"), py::arg("natt") = false,
          "Hands one IKE message to the engine, from an address (\"10.0.0.1:500\" or an Endpoint).")
      .def("advance", [](SteppedEngine& s, double secs) { return s.advance(duration(secs)); }, py::arg("seconds"),
           "Moves the clock on, firing every timer due (retransmissions, lifetimes); returns how many fired.")
      .def("events", &SteppedEngine::events, "The events since creation or clear_events(), in order.")
      .def("clear_events", &SteppedEngine::clear_events, "Forgets the events kept so far.")
      // The engine's operations.
      .def(
          "initiate",
          [](SteppedEngine& s, const std::optional<Endpoint>& peer, uint16_t peer_natt_port) {
            if (!peer) return unwrap(s.initiate(), "EngineError");
            return unwrap(s.engine().initiate(*peer, peer_natt_port), "EngineError");
          },
          py::arg("peer") = py::none(), py::arg("peer_natt_port") = 4500,
          "Starts an IKE SA with `peer` (default: the network section's remote address); returns its serial.")
      .def(
          "create_child", [](SteppedEngine& s, uint64_t sa) { check(s.engine().create_child(sa), "EngineError"); },
          py::arg("ike_sa"), "Queues a CREATE_CHILD_SA for a new Child SA.")
      .def(
          "rekey_child",
          [](SteppedEngine& s, uint64_t sa, uint32_t child) {
            check(s.engine().rekey_child(sa, child), "EngineError");
          },
          py::arg("ike_sa"), py::arg("child"), "Queues a Child SA rekey.")
      .def(
          "rekey_ike", [](SteppedEngine& s, uint64_t sa) { check(s.engine().rekey_ike(sa), "EngineError"); },
          py::arg("ike_sa"), "Queues an IKE SA rekey.")
      .def(
          "delete_child",
          [](SteppedEngine& s, uint64_t sa, uint32_t child) {
            check(s.engine().delete_child(sa, child), "EngineError");
          },
          py::arg("ike_sa"), py::arg("child"), "Queues an INFORMATIONAL deleting a Child SA.")
      .def(
          "delete_ike", [](SteppedEngine& s, uint64_t sa) { check(s.engine().delete_ike(sa), "EngineError"); },
          py::arg("ike_sa"), "Queues an INFORMATIONAL deleting the IKE SA.")
      .def(
          "liveness_check", [](SteppedEngine& s, uint64_t sa) { check(s.engine().liveness_check(sa), "EngineError"); },
          py::arg("ike_sa"), "Queues an empty INFORMATIONAL (RFC 7296 1.4).")
      .def(
          "send_cfg_set",
          [](SteppedEngine& s, uint64_t sa, std::vector<codec::CfgAttribute> attributes) {
            check(s.engine().send_cfg_set(sa, std::move(attributes)), "EngineError");
          },
          py::arg("ike_sa"), py::arg("attributes"), "Queues an INFORMATIONAL with CP(CFG_SET) (RFC 7296 3.15).")
      .def(
          "ike_sas", [](SteppedEngine& s) { return s.engine().ike_sas(); }, "Every IKE SA in the table.")
      .def(
          "ike_sa", [](SteppedEngine& s, uint64_t serial) { return s.engine().ike_sa(serial); }, py::arg("serial"),
          "One IKE SA, or None.")
      .def(
          "ike_sas_in", [](SteppedEngine& s, engine::IkeSaState st) { return s.engine().ike_sas_in(st); },
          py::arg("state"), "The serials of the IKE SAs in a state.")
      .def(
          "last_cfg_ack", [](SteppedEngine& s, uint64_t sa) { return s.engine().last_cfg_ack(sa); }, py::arg("ike_sa"),
          "The CFG_ACK attributes of the last CFG_SET exchange; None when the answer had no CP.")
      .def(
          "half_open", [](SteppedEngine& s) { return s.engine().half_open(); },
          "Half-open IKE SAs (responder: IKE_AUTH not done).")
      .def(
          "key_table", [](SteppedEngine& s) { return s.engine().key_table(); },
          "The SK_* keys, one Wireshark ikev2_decryption_table row (KeyTableEntry) per IKE SA whose keys are "
          "derived (and, with export_keys, per forgotten one): key export, call it only when asked.")
      .def("__repr__", [](SteppedEngine& s) {
        return "<SteppedEngine " + s.engine().env().name + " " + scenario::endpoint_text(s.local()) +
               " ike_sas=" + std::to_string(s.engine().ike_sas().size()) + " queued=" + std::to_string(s.queued()) +
               ">";
      });
}

}  // namespace ikeh::python
