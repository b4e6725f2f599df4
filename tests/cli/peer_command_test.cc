// SPDX-License-Identifier: Apache-2.0
// Runs the real `ikeharness respond` and `ikeharness initiate` against each
// other over loopback UDP with the example PSK configurations: exit codes,
// the summary, the capture and key table (checked with tshark when it is
// installed), reproducible bytes with --seed, and the one-line errors. The
// responder binds port 0 and the tests read the port it prints; every child
// process is killed in the fixture's teardown, and dies with the test
// process (PR_SET_PDEATHSIG).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "net/capture_reader.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Json = nlohmann::json;

const fs::path kConfigs = fs::path(IKEH_SOURCE_DIR) / "examples" / "configs";
// A test value, not a secret: both example configurations read $IKEH_PSK.
const std::string kPsk = "IKEH_PSK=0x7465737420707265207368617265642020206b6579";
const std::string kWrongPsk = "IKEH_PSK=0x6e6f742074686520726967687420707265207368617265";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// One child process running the ikeharness binary: stdout collected by a
// thread (so the test can wait for a line while the child runs), stderr in a
// file.
class Process {
 public:
  Process(const std::vector<std::string>& args, const std::vector<std::string>& env, const fs::path& err_file)
      : err_file_(err_file) {
    std::vector<std::string> argv_s = {IKEH_CLI};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    // The environment with `env` ("NAME=VALUE") replacing same-named entries,
    // built before fork: only async-signal-safe calls may follow it.
    std::vector<std::string> envs;
    for (char** e = environ; *e; ++e) {
      std::string entry(*e);
      bool replaced = false;
      for (const auto& o : env)
        if (entry.substr(0, entry.find('=') + 1) == o.substr(0, o.find('=') + 1)) replaced = true;
      if (!replaced) envs.push_back(entry);
    }
    envs.insert(envs.end(), env.begin(), env.end());
    std::vector<char*> envp;
    for (auto& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string err_path = err_file.string();

    int fds[2];
    if (pipe(fds) != 0) return;
    pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(126);
      dup2(fds[1], 1);
      int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (err >= 0) dup2(err, 2);
      close(fds[0]);
      close(fds[1]);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    close(fds[1]);
    if (pid_ < 0) {
      close(fds[0]);
      return;
    }
    reader_ = std::thread([this, fd = fds[0]] {
      char buf[4096];
      for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        std::lock_guard lock(mu_);
        if (n <= 0) {
          eof_ = true;
          cv_.notify_all();
          break;
        }
        out_.append(buf, static_cast<std::size_t>(n));
        cv_.notify_all();
      }
      close(fd);
    });
  }

  ~Process() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (reader_.joinable()) reader_.join();
  }

  bool started() const { return pid_ > 0; }

  // The first stdout line starting with `prefix`, waiting up to `timeout`
  // for it; nullopt when the child ends or the time passes first.
  std::optional<std::string> wait_for_line(const std::string& prefix, std::chrono::seconds timeout) {
    std::unique_lock lock(mu_);
    std::optional<std::string> found;
    cv_.wait_for(lock, timeout, [&] {
      std::istringstream in(out_);
      std::string line;
      while (std::getline(in, line))
        if (line.rfind(prefix, 0) == 0 && !in.eof()) {
          found = line;
          return true;
        }
      return eof_;
    });
    return found;
  }

  // Waits for the child to end (SIGKILL after `timeout`); its exit code, or
  // -1 when it was killed or died of a signal.
  int wait(std::chrono::seconds timeout = 60s) {
    {
      std::unique_lock lock(mu_);
      if (!cv_.wait_for(lock, timeout, [&] { return eof_; })) kill(pid_, SIGKILL);
    }
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    if (reader_.joinable()) reader_.join();
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  void signal(int sig) { kill(pid_, sig); }

  std::string out() {
    std::lock_guard lock(mu_);
    return out_;
  }
  std::string err() const { return slurp(err_file_); }

 private:
  fs::path err_file_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string out_;
  bool eof_ = false;
};

struct Listening {
  std::string address;  // as printed, with brackets for IPv6
  uint16_t port = 0;
  uint16_t natt_port = 0;
};

// "listening on 127.0.0.1:40123 (NAT-T 127.0.0.1:40124)" -> 127.0.0.1, 40123.
std::optional<Listening> parse_listening(const std::string& line) {
  const std::string head = "listening on ";
  auto end = line.find(' ', head.size());
  std::string hp = line.substr(head.size(), end - head.size());
  auto colon = hp.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  Listening l{hp.substr(0, colon), static_cast<uint16_t>(std::stoi(hp.substr(colon + 1)))};
  if (auto natt = line.rfind(':'); line.find("(NAT-T ") != std::string::npos && natt != std::string::npos)
    l.natt_port = static_cast<uint16_t>(std::stoi(line.substr(natt + 1)));
  return l;
}

// {"kind":"listening","address":"::1","port":40123,...} -> [::1], 40123.
std::optional<Listening> parse_listening_json(const std::string& line) {
  Json j = Json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.contains("address") || !j.contains("port")) return std::nullopt;
  std::string address = j["address"];
  if (address.find(':') != std::string::npos) address = "[" + address + "]";
  return Listening{address, j["port"].get<uint16_t>(), j.value("natt_port", uint16_t{0})};
}

// The UDP payloads of a capture, in order, and the frame times.
struct Captured {
  std::vector<ikeh::core::Bytes> payloads;
  std::vector<double> times;
  std::vector<std::string> endpoints;  // "src:sport>dst:dport"
};

Captured read_capture(const fs::path& p, std::vector<uint16_t> ports) {
  Captured c;
  ikeh::net::CaptureOptions o;
  o.ports = std::move(ports);
  o.natt_ports = {};
  auto r = ikeh::net::CaptureReader::open(p.string(), o);
  EXPECT_TRUE(r.ok()) << p;
  if (!r) return c;
  ikeh::net::CaptureFrame f;
  while (r->next(f) == ikeh::net::ReadStatus::Frame) {
    if (f.kind != ikeh::net::FrameKind::Datagram) continue;
    c.payloads.push_back(f.payload);
    c.times.push_back(f.time());
    c.endpoints.push_back(f.src + ":" + std::to_string(f.sport) + ">" + f.dst + ":" + std::to_string(f.dport));
  }
  return c;
}

bool ipv6_loopback_available() {
  int fd = socket(AF_INET6, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

class PeerCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(IKEH_BINARY_DIR) / "peer_command_test_data" /
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  // Kills whatever a failed test left running.
  void TearDown() override { processes_.clear(); }

  fs::path path(const std::string& name) const { return dir_ / name; }

  Process& start(const std::string& name, const std::vector<std::string>& args,
                 const std::vector<std::string>& env = {kPsk}) {
    processes_.push_back(std::make_unique<Process>(args, env, path(name + ".stderr")));
    EXPECT_TRUE(processes_.back()->started());
    return *processes_.back();
  }

  // Starts `respond` with the example responder configuration on `listen`
  // and waits for its "listening on" line.
  std::pair<Process*, Listening> responder(const std::string& name, std::vector<std::string> extra,
                                           const std::vector<std::string>& env = {kPsk},
                                           const std::string& listen = "127.0.0.1:0") {
    std::vector<std::string> args = {"respond", "--config", (kConfigs / "psk-responder.json").string(), "--listen",
                                     listen, "--timeout", "30"};
    args.insert(args.end(), extra.begin(), extra.end());
    Process& p = start(name, args, env);
    const bool json = std::find(extra.begin(), extra.end(), "--json-events") != extra.end();
    auto line = p.wait_for_line(json ? "{\"kind\":\"listening\"" : "listening on ", 20s);
    EXPECT_TRUE(line) << "stdout: " << p.out() << "\nstderr: " << p.err();
    if (!line) return {&p, {}};
    auto l = json ? parse_listening_json(*line) : parse_listening(*line);
    EXPECT_TRUE(l) << *line;
    return {&p, l.value_or(Listening{})};
  }

  std::vector<std::string> initiator_args(const Listening& r, const std::string& config,
                                          std::vector<std::string> extra, const std::string& local = "127.0.0.1:0") {
    std::vector<std::string> args = {"initiate", "--config", config, "--peer", r.address + ":" + std::to_string(r.port),
                                     "--local", local, "--timeout", "20"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  fs::path dir_;
  std::vector<std::unique_ptr<Process>> processes_;
};

const std::string kInitiatorConfig = (kConfigs / "psk-initiator.json").string();

// A UDP socket bound to a free loopback port (which `port` receives), so a
// test holds that port; -1 when the system refuses.
int bound_loopback_socket(uint16_t& port) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(fd);
    return -1;
  }
  port = ntohs(a.sin_port);
  return fd;
}

TEST_F(PeerCommand, PskPairEstablishesRekeysAndDeletes) {
  auto [resp, where] = responder("respond", {"--count", "1", "--until-deleted"});
  ASSERT_NE(where.port, 0);
  Process& init = start("initiate", initiator_args(where, kInitiatorConfig,
                                                   {"--rekey-child", "--rekey-ike", "--delete"}));
  int irc = init.wait();
  std::string iout = init.out();
  EXPECT_EQ(irc, 0) << iout << init.err();
  // The summary: the responder's pool hands out its first address.
  EXPECT_NE(iout.find("IKE SA 1 established with 127.0.0.1:" + std::to_string(where.port)), std::string::npos) << iout;
  EXPECT_NE(iout.find("  virtual IP  10.99.0.10\n"), std::string::npos) << iout;
  EXPECT_NE(iout.find("  peer id     hub.example (ID_FQDN)"), std::string::npos) << iout;
  EXPECT_NE(iout.find("  suite       ENCR_AES_GCM_16 256 / PRF_HMAC_SHA2_256 / ECP_256"), std::string::npos);
  // RFC 7296 2.19: the responder narrowed TSi to the address it assigned.
  EXPECT_NE(iout.find("10.99.0.10/32 === 10.20.0.0/16"), std::string::npos) << iout;
  EXPECT_NE(iout.find("\nresult: ok: IKE SA 1 established, Child SA 1 rekeyed, IKE SA 1 rekeyed to IKE SA 2, "
                      "IKE SA 2 deleted\n"),
            std::string::npos)
      << iout;
  EXPECT_EQ(init.err(), "");

  int rrc = resp->wait();
  std::string rout = resp->out();
  EXPECT_EQ(rrc, 0) << rout << resp->err();
  EXPECT_NE(rout.find("  peer id     spoke.example (ID_FQDN)"), std::string::npos) << rout;
  EXPECT_NE(rout.find("  virtual IP  10.99.0.10\n"), std::string::npos) << rout;
  EXPECT_NE(rout.find("result: ok: 1 of 1 IKE SAs established, all deleted by the peer\n"), std::string::npos)
      << rout;
}

TEST_F(PeerCommand, CaptureAndKeyTableDecryptWithTshark) {
  auto [resp, where] = responder("respond", {"--once", "--pcap", path("r.pcap").string()});
  ASSERT_NE(where.port, 0);
  Process& init = start("initiate", initiator_args(where, kInitiatorConfig,
                                                   {"--quiet", "--pcap", path("i.pcap").string(), "--keys-out",
                                                    path("i.keys").string()}));
  ASSERT_EQ(init.wait(), 0) << init.out() << init.err();
  ASSERT_EQ(resp->wait(), 0) << resp->out() << resp->err();

  // Both captures hold the four datagrams with real addresses, ports and times.
  auto i = read_capture(path("i.pcap"), {where.port});
  auto r = read_capture(path("r.pcap"), {where.port});
  ASSERT_EQ(i.payloads.size(), 4u);
  EXPECT_EQ(i.payloads, r.payloads);
  EXPECT_EQ(i.endpoints, r.endpoints);
  const std::string to_responder = ">127.0.0.1:" + std::to_string(where.port);
  EXPECT_NE(i.endpoints[0].find(to_responder), std::string::npos) << i.endpoints[0];
  EXPECT_EQ(i.endpoints[1].rfind("127.0.0.1:" + std::to_string(where.port) + ">", 0), 0u) << i.endpoints[1];
  double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LT(std::abs(i.times[0] - now), 600) << "frame times are wall-clock times";

  // The key table: one row, keys present, and no key in anything printed.
  std::string keys = slurp(path("i.keys"));
  ASSERT_NE(keys.find("\"AES-GCM-256 with 16 octet ICV [RFC5282]\""), std::string::npos) << keys;
  std::string row = keys.substr(keys.find('\n') + 1);
  std::string sk_ei = row.substr(34, row.find(',', 34) - 34);
  ASSERT_GE(sk_ei.size(), 64u);
  EXPECT_EQ(init.out().find(sk_ei), std::string::npos);

  if (std::system("command -v tshark >/dev/null 2>&1") != 0) GTEST_SKIP() << "tshark is not installed";
  // As examples/check_sample_tshark.sh: the key table goes into a private
  // Wireshark configuration directory.
  fs::path conf = path("wireshark");
  fs::create_directories(conf);
  fs::copy_file(path("i.keys"), conf / "ikev2_decryption_table", fs::copy_options::overwrite_existing);
  std::string cmd = "WIRESHARK_CONFIG_DIR='" + conf.string() + "' tshark -r '" + path("i.pcap").string() +
                    "' -d udp.port==" + std::to_string(where.port) + ",isakmp -V 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  auto decrypted = out.find("Decrypted Data");
  ASSERT_NE(decrypted, std::string::npos) << out;
  EXPECT_NE(out.find("Payload: Identification - Initiator (35)", decrypted), std::string::npos);
  EXPECT_NE(out.find("Identification Data:spoke.example", decrypted), std::string::npos);
  EXPECT_NE(out.find("Identification Data:hub.example", decrypted), std::string::npos);
  EXPECT_EQ(out.find("Malformed"), std::string::npos) << out;
}

TEST_F(PeerCommand, WrongPskFailsWithAuthenticationFailed) {
  auto [resp, where] = responder("respond", {"--once", "--pcap", path("r.pcap").string()});
  ASSERT_NE(where.port, 0);
  Process& init = start("initiate", initiator_args(where, kInitiatorConfig, {}), {kWrongPsk});
  EXPECT_EQ(init.wait(), 1);
  std::string iout = init.out();
  EXPECT_NE(iout.find("\nresult: failed: IKE SA 1 Authenticating -> Failed "
                      "(the peer answered AUTHENTICATION_FAILED)\n"),
            std::string::npos)
      << iout;
  EXPECT_EQ(iout.find("virtual IP"), std::string::npos);

  // The responder answered AUTHENTICATION_FAILED and waits on; SIGTERM stops
  // it cleanly, as a failure (nothing established), with its capture written.
  resp->signal(SIGTERM);
  EXPECT_EQ(resp->wait(), 1);
  std::string rout = resp->out();
  EXPECT_NE(rout.find("AUTHENTICATION_FAILED sent"), std::string::npos) << rout;
  EXPECT_NE(rout.find("result: failed: interrupted with 0 of 1 IKE SAs established\n"), std::string::npos) << rout;
  EXPECT_EQ(read_capture(path("r.pcap"), {where.port}).payloads.size(), 4u);
}

TEST_F(PeerCommand, ConfigErrorIsOneLineNamingFileAndPointer) {
  fs::path bad = path("bad.json");
  std::ofstream(bad) << R"({"ike": {"proposal": ["aes256gcm16-prfsha256-ecp256"]}})";
  for (const char* command : {"initiate", "respond"}) {
    std::vector<std::string> args = {command, "--config", bad.string(), "--pcap", path("x.pcap").string()};
    if (std::string(command) == "initiate") args.insert(args.end(), {"--peer", "127.0.0.1"});
    Process& p = start(command, args);
    EXPECT_EQ(p.wait(), 2) << command;
    EXPECT_EQ(p.err(), bad.string() + ": /ike/proposal: unknown key (did you mean \"proposals\"?)\n") << command;
    EXPECT_EQ(p.out(), "");
    // Nothing was written before the configuration was known to be good.
    EXPECT_FALSE(fs::exists(path("x.pcap")));
  }

  Process& missing = start("missing", {"respond", "--config", path("none.json").string()});
  EXPECT_EQ(missing.wait(), 2);
  EXPECT_EQ(missing.err(), path("none.json").string() + ": cannot read: No such file or directory\n");
}

TEST_F(PeerCommand, UsageErrors) {
  // No --peer and no network.remote_address in the responder's configuration.
  const std::string responder_config = (kConfigs / "psk-responder.json").string();
  Process& no_peer = start("no_peer", {"initiate", "--config", responder_config});
  EXPECT_EQ(no_peer.wait(), 2);
  EXPECT_EQ(no_peer.err(), "ikeharness: initiate: no peer: give --peer ADDR[:PORT] or network.remote_address in " +
                               responder_config + "\n");

  Process& bad_peer = start("bad_peer", {"initiate", "--config", kInitiatorConfig, "--peer", "gw.example:500"});
  EXPECT_EQ(bad_peer.wait(), 2);
  EXPECT_EQ(bad_peer.err(), "ikeharness: --peer \"gw.example:500\": not a numeric IPv4 or IPv6 address (host names "
                            "are not looked up)\n");

  Process& until = start("until", {"respond", "--config", responder_config, "--until-deleted"});
  EXPECT_EQ(until.wait(), 2);
  EXPECT_EQ(until.err(), "ikeharness: respond: --until-deleted needs --count N or --once\n");

  Process& both = start("both", {"respond", "--config", responder_config, "--quiet", "--json-events"});
  EXPECT_EQ(both.wait(), 2);
  EXPECT_EQ(both.err().rfind("ikeharness: ", 0), 0u) << both.err();
}

TEST_F(PeerCommand, BindFailureIsOneLine) {
  uint16_t port = 0;
  int fd = bound_loopback_socket(port);
  ASSERT_GE(fd, 0);
  const std::string taken = "127.0.0.1:" + std::to_string(port);
  Process& p = start("respond", {"respond", "--config", (kConfigs / "psk-responder.json").string(), "--listen", taken});
  EXPECT_EQ(p.wait(), 2);
  close(fd);
  EXPECT_EQ(p.err(), "bind " + taken + ": Address already in use\n");
  EXPECT_EQ(p.out(), "");
}

// Two runs with both sides seeded exchange identical bytes. NAT detection is
// off in this run: its hashes cover the ports, which the system picks anew
// each time.
TEST_F(PeerCommand, SeedGivesIdenticalBytes) {
  std::string text = slurp(kInitiatorConfig);
  auto at = text.find("\"ike\": {");
  ASSERT_NE(at, std::string::npos);
  text.insert(at + 8, " \"nat_detection\": false,");
  fs::path config = path("seeded-initiator.json");
  std::ofstream(config) << text;

  std::vector<Captured> runs;
  for (int run = 0; run < 2; ++run) {
    const std::string n = std::to_string(run);
    auto [resp, where] = responder("respond" + n, {"--once", "--seed", "7"});
    ASSERT_NE(where.port, 0);
    const std::string pcap = path("i" + n + ".pcap").string();
    Process& init =
        start("initiate" + n, initiator_args(where, config.string(), {"--quiet", "--seed", "5", "--pcap", pcap}));
    ASSERT_EQ(init.wait(), 0) << init.out() << init.err();
    ASSERT_EQ(resp->wait(), 0) << resp->out() << resp->err();
    EXPECT_EQ(init.err(), "ikeharness: warning: --seed 5 makes SPIs, nonces and DH private values predictable; "
                          "use it only for reproducible tests\n");
    runs.push_back(read_capture(path("i" + n + ".pcap"), {where.port}));
    ASSERT_EQ(runs.back().payloads.size(), 4u);
  }
  EXPECT_EQ(runs[0].payloads[0], runs[1].payloads[0]) << "IKE_SA_INIT request";
  EXPECT_EQ(runs[0].payloads[1], runs[1].payloads[1]) << "IKE_SA_INIT response";
  // Both sides seeded: the encrypted IKE_AUTH messages (keys, IVs) repeat too.
  EXPECT_EQ(runs[0].payloads[2], runs[1].payloads[2]) << "IKE_AUTH request";
  EXPECT_EQ(runs[0].payloads[3], runs[1].payloads[3]) << "IKE_AUTH response";
}

// SIGINT during --hold ends the hold; --delete still runs, and both sides
// end successfully.
TEST_F(PeerCommand, SignalEndsTheHoldThenDeletes) {
  auto [resp, where] = responder("respond", {"--count", "1", "--until-deleted"});
  ASSERT_NE(where.port, 0);
  Process& init = start("initiate", initiator_args(where, kInitiatorConfig, {"--quiet", "--hold", "60", "--delete"}));
  ASSERT_TRUE(init.wait_for_line("IKE SA 1 established with ", 20s)) << init.out() << init.err();
  init.signal(SIGINT);
  EXPECT_EQ(init.wait(), 0) << init.out() << init.err();
  EXPECT_NE(init.out().find("\nresult: ok: IKE SA 1 established, hold ended by a signal, IKE SA 1 deleted\n"),
            std::string::npos)
      << init.out();
  EXPECT_EQ(resp->wait(), 0) << resp->out() << resp->err();
}

// Nobody answers: the step's --timeout ends the run as a failure.
TEST_F(PeerCommand, NoAnswerTimesOut) {
  uint16_t port = 0;
  int fd = bound_loopback_socket(port);
  ASSERT_GE(fd, 0);
  Process& init = start("initiate", {"initiate", "--config", kInitiatorConfig, "--peer",
                                     "127.0.0.1:" + std::to_string(port), "--local", "127.0.0.1:0",
                                     "--timeout", "1", "--quiet", "--keys-out", path("k").string()});
  EXPECT_EQ(init.wait(), 1);
  close(fd);
  EXPECT_NE(init.out().find("\nresult: failed: timed out after 1 s waiting for the IKE SA (IKE SA 1 Connecting)\n"),
            std::string::npos)
      << init.out();
  // No keys were derived: the table holds only its comment line.
  std::string keys = slurp(path("k"));
  EXPECT_EQ(std::count(keys.begin(), keys.end(), '\n'), 1) << keys;
}

// With force_natt the exchange moves to the NAT-T sockets after
// IKE_SA_INIT (RFC 7296 2.23): IKE_AUTH goes between the NAT-T ports with the
// non-ESP marker, and the responder's capture shows it as sent.
TEST_F(PeerCommand, ForcedNatTMovesToTheNatTSockets) {
  std::string text = slurp(kInitiatorConfig);
  auto at = text.find("\"ike\": {");
  ASSERT_NE(at, std::string::npos);
  text.insert(at + 8, " \"force_natt\": true,");
  fs::path config = path("natt-initiator.json");
  std::ofstream(config) << text;

  auto [resp, where] = responder("respond", {"--once", "--pcap", path("r.pcap").string()});
  ASSERT_NE(where.natt_port, 0);
  Process& init = start("initiate", initiator_args(where, config.string(),
                                                   {"--quiet", "--peer-natt-port", std::to_string(where.natt_port)}));
  ASSERT_EQ(init.wait(), 0) << init.out() << init.err();
  ASSERT_EQ(resp->wait(), 0) << resp->out() << resp->err();
  EXPECT_NE(init.out().find("  peer        127.0.0.1:" + std::to_string(where.natt_port) + " (NAT-T)\n"),
            std::string::npos)
      << init.out();

  auto r = read_capture(path("r.pcap"), {where.port, where.natt_port});
  ASSERT_EQ(r.payloads.size(), 4u);
  const std::string natt = "127.0.0.1:" + std::to_string(where.natt_port);
  EXPECT_NE(r.endpoints[0].find(">127.0.0.1:" + std::to_string(where.port)), std::string::npos) << r.endpoints[0];
  EXPECT_NE(r.endpoints[2].find(">" + natt), std::string::npos) << r.endpoints[2];
  EXPECT_EQ(r.endpoints[3].rfind(natt + ">", 0), 0u) << r.endpoints[3];
  for (std::size_t i : {2u, 3u}) {
    ASSERT_GT(r.payloads[i].size(), 32u);
    EXPECT_EQ(ikeh::core::Bytes(r.payloads[i].begin(), r.payloads[i].begin() + 4), ikeh::core::Bytes(4, 0))
        << "non-ESP marker on datagram " << i + 1;
    EXPECT_EQ(r.payloads[i][4 + 18], 35) << "IKE_AUTH";
  }
}

TEST_F(PeerCommand, JsonEvents) {
  auto [resp, where] = responder("respond", {"--once", "--json-events"});
  ASSERT_NE(where.port, 0);
  Process& init = start("initiate", initiator_args(where, kInitiatorConfig, {"--json-events"}));
  ASSERT_EQ(init.wait(), 0) << init.out() << init.err();
  ASSERT_EQ(resp->wait(), 0);
  std::vector<Json> lines;
  std::istringstream in(init.out());
  std::string line;
  while (std::getline(in, line)) {
    ASSERT_NO_THROW(lines.push_back(Json::parse(line))) << line;
  }
  ASSERT_GE(lines.size(), 4u);
  EXPECT_EQ(lines.front()["kind"], "initiating");
  EXPECT_EQ(lines.back()["kind"], "result");
  EXPECT_EQ(lines.back()["exit_code"], 0);
  bool summary = false, auth = false;
  for (const auto& j : lines) {
    if (j["kind"] == "summary") {
      summary = true;
      EXPECT_EQ(j["virtual_ip"], "10.99.0.10");
      EXPECT_EQ(j["peer_id"], "hub.example");
      ASSERT_EQ(j["children"].size(), 1u);
      EXPECT_EQ(j["children"][0]["remote_ts"], Json::array({"10.20.0.0/16"}));
    }
    if (j["kind"] == "sent" && j["exchange"] == "IKE_AUTH") {
      auth = true;
      EXPECT_EQ(j["payloads"][0], "IDi");
    }
  }
  EXPECT_TRUE(summary);
  EXPECT_TRUE(auth);
  // The responder's stream starts with the bound ports, as JSON too.
  Json first = Json::parse(resp->out().substr(0, resp->out().find('\n')));
  EXPECT_EQ(first["kind"], "listening");
  EXPECT_EQ(first["port"], where.port);
}

TEST_F(PeerCommand, Ipv6Loopback) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback (::1) on this machine";
  auto [resp, where] = responder("respond", {"--once"}, {kPsk}, "[::1]:0");
  ASSERT_NE(where.port, 0);
  EXPECT_EQ(where.address, "[::1]");
  Process& init = start("initiate", initiator_args(where, kInitiatorConfig, {}, "[::1]:0"));
  EXPECT_EQ(init.wait(), 0) << init.out() << init.err();
  EXPECT_NE(init.out().find("IKE SA 1 established with [::1]:" + std::to_string(where.port)), std::string::npos)
      << init.out();
  EXPECT_EQ(resp->wait(), 0) << resp->out() << resp->err();
}

}  // namespace
