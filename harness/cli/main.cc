// SPDX-License-Identifier: Apache-2.0
// The `ikeharness` command. main() is the only place exceptions are caught.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "harness/cli/decode_command.h"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"ikeharness - IKEv2 (RFC 7296) conformance and fuzz test harness"};
  app.require_subcommand(1);
  app.footer("\nExit codes: 0 all decoded, 1 some message failed to decode, 2 usage or input error.\n");

  ikeh::cli::DecodeOptions decode;
  auto* cmd = app.add_subcommand("decode", "Print the IKE messages of a pcap or pcapng capture");
  cmd->footer(
      "\nPrints every IKE message in a capture (pcap or pcapng; Ethernet, Linux cooked, raw IP or loopback;\n"
      "IPv4 or IPv6; IPv4 fragments are reassembled), with ESP and NAT-keepalive datagrams on the\n"
      "IKE ports. Text for people by default: one line per message, then its payloads field by field.\n"
      "--json writes one JSON object per datagram per line. A message that fails to decode is printed\n"
      "as far as it decoded and one line on stderr names the file, frame, offset and reason.\n"
      "--keys TABLE (Wireshark's ikev2_decryption_table format) checks the ICV of every SK/SKF payload\n"
      "whose SPIs have a row, then prints its inner payloads under it (SKF fragments reassembled);\n"
      "a wrong key is an \"ICV mismatch\" line on stderr and exit code 1. Keys are never printed.\n"
      "Exit codes: 0 all decoded, 1 some message failed to decode, 2 usage or input error\n"
      "(missing file, not a capture, truncated capture).\n");
  cmd->add_option("file", decode.file, "Capture file (pcap or pcapng)")->required();
  cmd->add_flag("--json", decode.json, "One JSON object per datagram per line instead of text");
  cmd->add_option("--keys", decode.keys,
                  "Wireshark ikev2_decryption_table: verify, decrypt and print SK/SKF inner payloads");
  cmd->add_option("--ports", decode.ports, "UDP ports carrying IKE, comma-separated")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  cmd->add_option("--natt-ports", decode.natt_ports,
                  "Ports using RFC 3948 framing (non-ESP marker, ESP, keepalive), comma-separated")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "ikeharness: " << e.what() << " (see ikeharness --help)\n";
    return ikeh::cli::kExitUsage;
  }
  if (cmd->parsed()) return ikeh::cli::run_decode(decode, std::cout, std::cerr);
  return ikeh::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "ikeharness: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "ikeharness: internal error\n";
  }
  return ikeh::cli::kExitUsage;
}
