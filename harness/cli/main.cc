// SPDX-License-Identifier: Apache-2.0
// The `ikeharness` command. main() is the only place exceptions are caught.
#include <CLI/CLI.hpp>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <iostream>
#include <string>

#include "harness/cli/decode_command.h"
#include "harness/cli/peer_command.h"
#include "harness/cli/run_command.h"

namespace {

// Counts SIGINT/SIGTERM: the network commands stop at the next step, still
// writing their capture and key table.
std::atomic<int> g_signals{0};

void on_signal(int) { g_signals.fetch_add(1); }

void catch_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a wait ends at once
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// Options both network commands take; numbers go through plain variables
// (this CLI11 has no std::optional support) and are copied afterwards.
struct PeerArgs {
  uint16_t natt_port = 0;
  uint64_t seed = 0;
  double timeout = 0;
  CLI::Option* natt_port_opt = nullptr;
  CLI::Option* seed_opt = nullptr;
  CLI::Option* timeout_opt = nullptr;

  void add(CLI::App* cmd, ikeh::cli::PeerOptions& o, const std::string& timeout_help) {
    cmd->add_option("--config", o.config, "Endpoint configuration (JSON, see docs/config.md)")->required();
    natt_port_opt = cmd->add_option("--natt-port", natt_port, "Local NAT-T port (0: a free one)")
                        ->check(CLI::Range(0, 65535));
    cmd->add_option("--pcap", o.pcap, "Write every datagram sent and received to this pcap file");
    cmd->add_option("--keys-out", o.keys_out,
                    "Write the IKE SA keys as a Wireshark ikev2_decryption_table (key export)");
    seed_opt = cmd->add_option("--seed", seed, "Reproducible SPIs, nonces and DH values (predictable keys!)");
    timeout_opt = cmd->add_option("--timeout", timeout, timeout_help)->check(CLI::PositiveNumber);
    cmd->add_option("--hold", o.hold_s, "Keep the SAs up this many seconds, answering the peer")
        ->check(CLI::NonNegativeNumber);
    auto* quiet = cmd->add_flag("--quiet", o.quiet, "No event lines; only summaries and the result");
    auto* json = cmd->add_flag("--json-events", o.json_events, "Events, summaries and the result as JSON lines");
    quiet->excludes(json);
  }

  void copy(ikeh::cli::PeerOptions& o) const {
    if (natt_port_opt->count()) o.natt_port = natt_port;
    if (seed_opt->count()) o.seed = seed;
    if (timeout_opt->count()) o.timeout_s = timeout;
  }
};

int run(int argc, char** argv) {
  CLI::App app{"ikeharness - IKEv2 (RFC 7296) conformance and fuzz test harness"};
  app.require_subcommand(1);
  app.footer("\nExit codes: 0 success, 1 failure (a message that did not decode, an IKE SA that failed),\n"
             "2 usage or input error.\n");

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

  ikeh::cli::InitiateOptions initiate;
  PeerArgs initiate_args;
  uint16_t peer_natt_port = 0;
  auto* icmd = app.add_subcommand("initiate", "Start an IKE SA with an external peer over UDP");
  icmd->footer(
      "\nStarts one IKE SA (IKE_SA_INIT, IKE_AUTH and the first Child SA) with the peer and prints a line per\n"
      "event, then a summary: SPIs, suite, peer identity, Child SAs, the virtual IP. Then, in this order:\n"
      "--rekey-child, --rekey-ike, --hold S, --delete. --timeout bounds each of these steps (default 60 s).\n"
      "Addresses are numeric; IPv6 as [ADDR]:PORT. Without --peer the configuration's network section names\n"
      "the peer; without --local its network section, else free ports, are bound. A PSK comes from the file\n"
      "or environment variable the configuration names. See docs/external-peer.md.\n"
      "--flexvpn-spoke runs a FlexVPN spoke (docs/flexvpn.md, \"Running a spoke\"): it asks for an address,\n"
      "applies the CFG_REPLY, sends CFG_SET with the address/32 and waits for the answer before any action;\n"
      "its lines are printed as \"spoke\" events, its session in a summary at the end. The group password\n"
      "comes from --group-password-env VAR or --group-password-file FILE, never from the command line.\n"
      "A CFG_ACK that echoes values or lists attributes not sent (RFC 7296 3.15.1) fails the run.\n"
      "Exit codes: 0 established and every action done, 1 failed (AUTHENTICATION_FAILED, NO_PROPOSAL_CHOSEN,\n"
      "no answer, timeout, signal), 2 usage or input error (configuration, bind failure, output file).\n");
  icmd->add_option("--peer", initiate.peer, "The peer, ADDR[:PORT] (port 500 by default)");
  icmd->add_option("--local", initiate.local, "Bind here, ADDR[:PORT] (port 0: a free one)");
  auto* peer_natt_opt = icmd->add_option("--peer-natt-port", peer_natt_port, "The peer's NAT-T port (default 4500)")
                            ->check(CLI::Range(1, 65535));
  initiate_args.add(icmd, initiate, "Seconds each step may take (default 60)");
  icmd->add_flag("--rekey-child", initiate.rekey_child, "Rekey the first Child SA once established");
  icmd->add_flag("--rekey-ike", initiate.rekey_ike, "Rekey the IKE SA once established");
  icmd->add_flag("--delete", initiate.delete_ike, "Delete the IKE SA at the end and wait for the answer");
  auto* spoke_flag = icmd->add_flag("--flexvpn-spoke", initiate.flexvpn_spoke,
                                    "Run a FlexVPN spoke: CFG_REQUEST, apply the CFG_REPLY, CFG_SET the address/32 "
                                    "(docs/flexvpn.md)");
  std::string group;
  auto* group_opt = icmd->add_option("--group", group, "FlexVPN group name sent in the CFG_REQUEST (attribute 16521)")
                        ->needs(spoke_flag);
  auto* pw_env = icmd->add_option("--group-password-env", initiate.group_password_env,
                                  "Environment variable holding the FlexVPN group password (attribute 16522)")
                     ->needs(spoke_flag);
  icmd->add_option("--group-password-file", initiate.group_password_file,
                   "File holding the FlexVPN group password (attribute 16522)")
      ->needs(spoke_flag)
      ->excludes(pw_env);

  ikeh::cli::RespondOptions respond;
  PeerArgs respond_args;
  uint32_t count = 0;
  auto* rcmd = app.add_subcommand("respond", "Answer IKE SAs from external peers over UDP");
  rcmd->footer(
      "\nBinds the IKE and NAT-T sockets, prints \"listening on ADDR:PORT (NAT-T ADDR:PORT)\" with the bound\n"
      "ports, then answers every peer, printing a line per event and a summary of each IKE SA established.\n"
      "--count N stops after N IKE SAs were established (--once: 1); with --until-deleted it waits until the\n"
      "peer deleted them, with --hold S it answers S seconds longer, with --delete it deletes them itself.\n"
      "Without --count it serves until\n"
      "--timeout or a signal. Without --listen the configuration's network section is bound. The NAT-T port\n"
      "defaults to 4500 on port 500 and to a free port otherwise. See docs/external-peer.md.\n"
      "A FlexVPN hub file (top-level \"endpoint\" key, docs/flexvpn.md) runs a FlexVPN hub: its IOS-style\n"
      "log lines are printed as \"hub\" events, its interfaces and routes in a summary at the end.\n"
      "Exit codes: 0 done, 1 the timeout or a signal came before --count was reached (or before the\n"
      "deletes), 2 usage or input error (configuration, bind failure, output file).\n");
  rcmd->add_option("--listen", respond.listen, "Bind here, ADDR[:PORT] (port 500 by default, 0: a free one)");
  respond_args.add(rcmd, respond, "Give up after this many seconds (default: never)");
  auto* count_opt = rcmd->add_option("--count", count, "Stop after N IKE SAs were established")
                        ->check(CLI::Range(1u, 1000000u));
  auto* once = rcmd->add_flag("--once", respond.once, "Stop after the first IKE SA was established (--count 1)");
  once->excludes(count_opt);
  auto* until = rcmd->add_flag("--until-deleted", respond.until_deleted,
                               "After --count: wait until the peer deleted those IKE SAs");
  rcmd->add_flag("--delete", respond.delete_ike,
                 "After --count (and --hold): delete those IKE SAs and wait for the answers")
      ->excludes(until);

  ikeh::cli::RunOptions run_opts;
  auto* runcmd = app.add_subcommand("run", "Run conformance scenarios (the bundled suites by default)");
  runcmd->footer(
      "\nRuns JSON scenarios (docs/scenarios.md) against the built-in peer (self mode, virtual time) or the\n"
      "peer named by --peer, in parallel, and writes results.json, junit.xml, report.html and per scenario\n"
      "<id>.pcap with a Wireshark key table <id>.keys into --out. Without paths, runs the bundled suites.\n"
      "Exit codes: 0 every scenario passed (known deviations and skips count as expected), 1 a scenario\n"
      "failed or could not run, 2 usage or input error (a scenario or profile that does not load).\n");
  runcmd->add_option("paths", run_opts.paths, "Scenario files or folders");
  runcmd->add_option("--peer", run_opts.peer,
                     "self (default), a profile name from scenarios/peers, a profile .json, or ADDR[:PORT]")
      ->capture_default_str();
  runcmd->add_option("--filter", run_opts.filters, "Only scenarios whose id matches this glob (repeatable)");
  runcmd->add_option("--tag", run_opts.tags, "Only scenarios with this tag (repeatable)");
  runcmd->add_option("--jobs", run_opts.jobs, "Scenarios run at once (default: one per CPU)")
      ->check(CLI::Range(1u, 1024u));
  runcmd->add_option("--seed", run_opts.seed, "Seed of SPIs, nonces, DH values and faults")->capture_default_str();
  runcmd->add_option("--out", run_opts.out, "Output folder for the reports")->capture_default_str();
  runcmd->add_flag("--export-keys", run_opts.export_keys,
                   "Against an external peer, also write each scenario's SK_* keys as a Wireshark key table "
                   "(self mode always does)");

  ikeh::cli::ListOptions list_opts;
  auto* listcmd = app.add_subcommand("list", "List scenarios: id, role, reference, title, tags");
  listcmd->add_option("paths", list_opts.paths, "Scenario files or folders (default: the bundled suites)");
  listcmd->add_option("--filter", list_opts.filters, "Only scenarios whose id matches this glob (repeatable)");
  listcmd->add_option("--tag", list_opts.tags, "Only scenarios with this tag (repeatable)");

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
  if (runcmd->parsed()) {
    run_opts.live = isatty(STDERR_FILENO) == 1;
    return ikeh::cli::run_scenarios(run_opts, std::cout, std::cerr);
  }
  if (listcmd->parsed()) return ikeh::cli::list_scenarios(list_opts, std::cout, std::cerr);
  if (icmd->parsed()) {
    initiate_args.copy(initiate);
    if (peer_natt_opt->count()) initiate.peer_natt_port = peer_natt_port;
    if (group_opt->count()) initiate.group = group;
    catch_stop_signals();
    return ikeh::cli::run_initiate(initiate, std::cout, std::cerr, &g_signals);
  }
  if (rcmd->parsed()) {
    respond_args.copy(respond);
    if (count_opt->count()) respond.count = count;
    catch_stop_signals();
    return ikeh::cli::run_respond(respond, std::cout, std::cerr, &g_signals);
  }
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
