// SPDX-License-Identifier: Apache-2.0
// net: reading pcap/pcapng captures frame by frame (CaptureReader) and
// classifying UDP datagrams on the IKE ports (RFC 3948 framing).
#include <memory>
#include <string>

#include "bindings/python/src/common.h"
#include "net/capture_reader.h"
#include "net/udp_framing.h"

namespace ikeh::python {

void register_net(py::module_& m) {
  m.attr("IKE_PORT") = net::kIkePort;
  m.attr("NAT_T_PORT") = net::kNatTPort;

  py::enum_<net::DatagramKind>(m, "DatagramKind", "What a UDP datagram on an IKE port carries.")
      .value("Ike", net::DatagramKind::Ike)
      .value("Esp", net::DatagramKind::Esp)
      .value("NatKeepalive", net::DatagramKind::NatKeepalive)
      .value("Malformed", net::DatagramKind::Malformed);

  py::class_<net::Datagram>(m, "Datagram", "Classification of a UDP payload (RFC 7296 2.23, RFC 3948 2.2).")
      .def_readonly("kind", &net::Datagram::kind, "DatagramKind.")
      .def_readonly("ike_offset", &net::Datagram::ike_offset,
                    "Offset of the IKE message: 0, or 4 after a non-ESP marker.")
      .def_readonly("esp_spi", &net::Datagram::esp_spi, "ESP only: the SPI.")
      .def_readonly("reason", &net::Datagram::reason, "Malformed only: why.")
      .def("__repr__", [](const net::Datagram& d) {
        return "Datagram(" + std::string(net::name_of(d.kind)) + ")";
      });
  m.def(
      "classify_udp",
      [](const py::buffer& payload, bool natt) { return net::classify_udp(from_buffer(payload), natt); },
      py::arg("payload"), py::arg("natt"),
      "Classifies a UDP payload; natt is True when either port is the NAT-T port (non-ESP marker, ESP, "
      "keepalive).");

  py::class_<net::CaptureOptions>(m, "CaptureOptions", "Which UDP ports are IKE, and which of them use NAT-T framing.")
      .def(py::init([](std::vector<uint16_t> ports, std::vector<uint16_t> natt_ports) {
             return net::CaptureOptions{std::move(ports), std::move(natt_ports)};
           }),
           py::arg("ports") = std::vector<uint16_t>{net::kIkePort, net::kNatTPort},
           py::arg("natt_ports") = std::vector<uint16_t>{net::kNatTPort},
           "ports: a datagram is picked when either port is listed; natt_ports: those with the RFC 3948 framing.")
      .def_readwrite("ports", &net::CaptureOptions::ports, "IKE ports.")
      .def_readwrite("natt_ports", &net::CaptureOptions::natt_ports, "Ports with the non-ESP marker framing.");

  py::enum_<net::FrameKind>(m, "FrameKind", "What a capture frame was.")
      .value("Datagram", net::FrameKind::Datagram)
      .value("Other", net::FrameKind::Other)
      .value("Fragment", net::FrameKind::Fragment)
      .value("Error", net::FrameKind::Error);

  py::class_<net::CaptureFrame>(m, "CaptureFrame", "One frame of a capture; payload and datagram for Datagram frames.")
      .def_readonly("number", &net::CaptureFrame::number, "1-based frame number, counting every frame.")
      .def_readonly("seconds", &net::CaptureFrame::seconds, "Timestamp: seconds since the epoch.")
      .def_readonly("microseconds", &net::CaptureFrame::microseconds, "Timestamp: microseconds.")
      .def("time", &net::CaptureFrame::time, "Timestamp as float seconds since the epoch.")
      .def_readonly("kind", &net::CaptureFrame::kind, "FrameKind.")
      .def_readonly("src", &net::CaptureFrame::src, "Source address (IPv4 or RFC 5952 IPv6 text).")
      .def_readonly("dst", &net::CaptureFrame::dst, "Destination address.")
      .def_readonly("sport", &net::CaptureFrame::sport, "UDP source port.")
      .def_readonly("dport", &net::CaptureFrame::dport, "UDP destination port.")
      .def_readonly("snapped", &net::CaptureFrame::snapped, "True when the snap length cut the frame.")
      .def_property_readonly("payload", [](const net::CaptureFrame& f) { return to_bytes(f.payload); },
                             "The UDP payload (Datagram only).")
      .def_readonly("datagram", &net::CaptureFrame::datagram, "Classification of payload (Datagram only).")
      .def_readonly("error", &net::CaptureFrame::error, "Error only: why the frame could not be parsed.")
      .def("__repr__", [](const net::CaptureFrame& f) {
        return "CaptureFrame(" + std::to_string(f.number) + ", " + f.src + ":" + std::to_string(f.sport) + " -> " +
               f.dst + ":" + std::to_string(f.dport) + ", " + std::to_string(f.payload.size()) + " bytes)";
      });

  py::class_<net::CaptureReader>(m, "CaptureReader",
                                 "Reads a pcap or pcapng file frame by frame (Ethernet, Linux cooked, raw IP, "
                                 "loopback; IPv4 fragments reassembled). Iterating yields CaptureFrames.")
      .def_static(
          "open",
          [](const std::string& path, const net::CaptureOptions& options) {
            auto r = net::CaptureReader::open(path, options);
            if (!r) {
              core::Error e = r.error();
              if (e.where.empty()) e.where = path;
              raise_error("CaptureError", e, path + ": " + r.error().reason);
            }
            return std::move(*r);
          },
          py::arg("path"), py::arg_v("options", net::CaptureOptions{}, "CaptureOptions()"),
          "Opens a capture. Raises CaptureError (\"PATH: reason\") when it is missing, unreadable, not a capture "
          "or of an unsupported link type.")
      .def(
          "next",
          [](net::CaptureReader& r) -> std::optional<net::CaptureFrame> {
            net::CaptureFrame f;
            switch (r.next(f)) {
              case net::ReadStatus::Frame: return f;
              case net::ReadStatus::End: return std::nullopt;
              case net::ReadStatus::Failed: break;
            }
            raise_error("CaptureError", core::make_error("", r.failure()), r.failure());
          },
          "The next frame, or None at the end. Raises CaptureError (\"truncated capture: ...\", \"damaged "
          "capture: ...\") when the file is damaged; every later call raises again.")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__",
           [](net::CaptureReader& r) {
             net::CaptureFrame f;
             switch (r.next(f)) {
               case net::ReadStatus::Frame: return f;
               case net::ReadStatus::End: throw py::stop_iteration();
               case net::ReadStatus::Failed: break;
             }
             raise_error("CaptureError", core::make_error("", r.failure()), r.failure());
           })
      .def("failure", &net::CaptureReader::failure, "Why reading failed (empty before a failure).")
      .def("link_type", &net::CaptureReader::link_type, "The libpcap link type (DLT_*).");
}

}  // namespace ikeh::python
