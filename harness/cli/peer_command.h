// SPDX-License-Identifier: Apache-2.0
// `ikeharness initiate` and `ikeharness respond`: one engine on real UDP
// sockets (scenario::UdpDriver) against an external peer, configured by a
// JSON endpoint file (scenario::load_endpoint_config, docs/config.md).
// docs/external-peer.md is the user's guide.
//
// Both print one line per engine event on `out` (format_event, times in
// seconds since the start; --json-events: one JSON object per line instead,
// --quiet: none), a summary of each IKE SA when it is established (SPIs,
// suite, peer identity, Child SAs with SPIs and selectors, the virtual IP),
// and a last line with the verdict. Usage and input errors (the loader's
// "FILE: /json/pointer: reason", a bind failure, an unwritable output file)
// are one line on `err`. Keys are written only to --keys-out.
//
// `respond` also takes a FlexVPN hub file (docs/flexvpn.md, "Running the
// hub"): a configuration whose top level has an "endpoint" key. Its engine is
// flexvpn::hub_engine_config(endpoint), a flexvpn::Hub is attached, its log
// lines join the event lines ("hub ..."; --json-events: kind "hub"), and a
// summary of its sessions, interfaces and routes precedes the verdict.
// `initiate` refuses a hub file (usage error).
//
// `initiate --flexvpn-spoke` runs a FlexVPN spoke (docs/flexvpn.md, "Running
// a spoke"): the endpoint configuration goes through
// flexvpn::spoke_engine_config (group name and password attributes when
// given; the password from an environment variable or a file, never from the
// command line, never printed), a flexvpn::Spoke is attached, its log lines
// join the event lines ("spoke ..."; --json-events: kind "spoke"), the run
// waits for the CFG_SET exchange to end before any further action, and a
// summary of the spoke's session (address, netmask, DNS, routes, the CFG_SET
// and its outcome) precedes the verdict.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace ikeh::cli {

// What both commands share.
struct PeerOptions {
  std::string config;                     // the endpoint configuration file
  std::optional<uint16_t> natt_port;      // local NAT-T port (0: a free one)
  std::string pcap;                       // write every datagram sent and received here
  std::string keys_out;                   // write the Wireshark ikev2_decryption_table here
  std::optional<uint64_t> seed;           // reproducible SPIs, nonces and DH values
  std::optional<double> timeout_s;        // see the commands
  double hold_s = 0;                      // keep the SAs up this long, answering the peer
  bool quiet = false;                     // no event lines
  bool json_events = false;               // events, summaries and verdict as JSON lines
};

struct InitiateOptions : PeerOptions {
  std::string peer;   // ADDR[:PORT]; empty: the configuration's network.remote_address
  std::string local;  // ADDR[:PORT]; empty: the configuration's network section, else free ports
  std::optional<uint16_t> peer_natt_port;
  bool rekey_child = false;
  bool rekey_ike = false;
  bool delete_ike = false;
  // FlexVPN spoke (see above). group_password_env / _file: at most one, and
  // only with flexvpn_spoke.
  bool flexvpn_spoke = false;
  std::optional<std::string> group;
  std::string group_password_env;
  std::string group_password_file;
};

struct RespondOptions : PeerOptions {
  std::string listen;  // ADDR[:PORT]; empty: the configuration's network section
  std::optional<uint32_t> count;
  bool once = false;           // --count 1
  bool until_deleted = false;  // after --count: wait until the peer deleted those IKE SAs
  bool delete_ike = false;     // after --count (and --hold): delete those IKE SAs ourselves
};

// The default for InitiateOptions::timeout_s: the longest each step (the
// initial exchanges, each requested action) may take.
inline constexpr double kDefaultInitiateTimeout = 60;

// Starts one IKE SA with the peer and, once it is established, runs the
// requested actions in this order: rekey the first Child SA, rekey the IKE
// SA, hold for hold_s seconds (answering liveness checks, rekeys and deletes
// from the peer; a signal ends the hold early), delete the IKE SA. Returns 0
// when the IKE SA was established and every action completed, 1 when the
// IKE SA failed (AUTHENTICATION_FAILED, NO_PROPOSAL_CHOSEN, retransmissions
// given up), an action failed, a step timed out or `interrupt` stopped it,
// 2 for usage and input errors. With flexvpn_spoke, after the IKE SA is
// established and before the actions, it waits (timeout_s) for the answer to
// the spoke's CFG_SET; an answer classified Invalid (a CFG_ACK echoing values
// or listing attributes not sent, RFC 7296 3.15.1) fails the run (1), every
// other outcome (Acknowledged, PartiallyAcknowledged, EmptyAck, NoCp, or no
// CFG_SET sent because no address was assigned) is reported and does not. The pcap and key table are written on every
// path once the sockets are open.
int run_initiate(const InitiateOptions& options, std::ostream& out, std::ostream& err,
                 const std::atomic<int>* interrupt = nullptr);

// Answers peers. Prints "listening on ADDR:PORT (NAT-T ADDR:PORT)" with the
// bound ports first. With count N (or once): returns 0 when N IKE SAs were
// established (then, with until_deleted, once the peer deleted all of them;
// with hold_s, after that much longer; with delete_ike, once this side's
// Deletes of them were answered), 1 when timeout_s passes or a signal
// arrives first. Without a count it serves until timeout_s or a signal and
// returns 0. 2 for usage and input errors.
int run_respond(const RespondOptions& options, std::ostream& out, std::ostream& err,
                const std::atomic<int>* interrupt = nullptr);

}  // namespace ikeh::cli
