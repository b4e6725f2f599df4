// SPDX-License-Identifier: Apache-2.0
#include "harness/scenario/peer_adapter.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

extern char** environ;

namespace ikeh::scenario {

namespace {

std::string temp_file(const char* stem) {
  std::string path = (std::filesystem::temp_directory_path() / (std::string(stem) + "XXXXXX")).string();
  int fd = ::mkstemp(path.data());
  if (fd < 0) return {};
  ::close(fd);
  return path;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  std::size_t total = 0;
  while (total < 64 * 1024 && std::getline(in, line)) {
    total += line.size() + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> AdapterContext::environment() const {
  std::vector<std::pair<std::string, std::string>> all = {
      {"IKEH_SCENARIO_FILE", scenario_file},
      {"IKEH_SCENARIO_ID", scenario_id},
      {"IKEH_HARNESS_ROLE", harness_role},
      {"IKEH_HARNESS_ADDRESS", harness_address},
      {"IKEH_HARNESS_PORT", std::to_string(harness_port)},
      {"IKEH_HARNESS_NATT_PORT", std::to_string(harness_natt_port)},
      {"IKEH_PEER_ADDRESS", peer_address},
      {"IKEH_PEER_PORT", std::to_string(peer_port)},
      {"IKEH_PEER_NATT_PORT", std::to_string(peer_natt_port)},
  };
  std::vector<std::pair<std::string, std::string>> set;
  for (auto& kv : all)
    if (!kv.second.empty()) set.push_back(std::move(kv));
  return set;
}

core::Result<AdapterCall> AdapterCall::start(const std::string& program, const std::vector<std::string>& args,
                                             const AdapterContext& context) {
  AdapterCall call;
  for (const auto& a : args) call.action_ += (call.action_.empty() ? "" : " ") + a;
  call.out_path_ = temp_file("ikeh-adapter-out.");
  call.err_path_ = temp_file("ikeh-adapter-err.");
  if (call.out_path_.empty() || call.err_path_.empty())
    return core::make_error("adapter " + program, std::string("cannot create a file for its output: ") +
                                                      std::strerror(errno));

  // The environment: ours, with the context's variables replacing any of
  // the same name.
  auto vars = context.environment();
  std::set<std::string> names;
  for (const auto& [k, v] : vars) names.insert(k);
  std::vector<std::string> env_text;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    if (!names.count(entry.substr(0, entry.find('=')))) env_text.push_back(std::move(entry));
  }
  for (const auto& [k, v] : vars) env_text.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);

  std::vector<std::string> argv_text = {program};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);

  const std::string dir = std::filesystem::path(program).parent_path().string();
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, call.out_path_.c_str(), O_WRONLY | O_TRUNC, 0);
  posix_spawn_file_actions_addopen(&fa, 2, call.err_path_.c_str(), O_WRONLY | O_TRUNC, 0);
  if (!dir.empty()) posix_spawn_file_actions_addchdir_np(&fa, dir.c_str());
  // A group of its own, so a kill reaches the programs it started too.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, program.c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return core::make_error("cannot start adapter " + program, std::strerror(rc));
  call.pid_ = pid;
  return call;
}

AdapterCall::AdapterCall(AdapterCall&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      status_(o.status_),
      action_(std::move(o.action_)),
      out_path_(std::exchange(o.out_path_, {})),
      err_path_(std::exchange(o.err_path_, {})) {}

AdapterCall& AdapterCall::operator=(AdapterCall&& o) noexcept {
  if (this != &o) {
    release();
    pid_ = std::exchange(o.pid_, -1);
    status_ = o.status_;
    action_ = std::move(o.action_);
    out_path_ = std::exchange(o.out_path_, {});
    err_path_ = std::exchange(o.err_path_, {});
  }
  return *this;
}

AdapterCall::~AdapterCall() { release(); }

void AdapterCall::release() {
  kill();
  for (const auto& p : {out_path_, err_path_})
    if (!p.empty()) ::unlink(p.c_str());
  out_path_.clear();
  err_path_.clear();
}

bool AdapterCall::finished() {
  if (pid_ < 0) return true;
  int ws = 0;
  pid_t r = ::waitpid(pid_, &ws, WNOHANG);
  if (r == 0) return false;
  status_ = r == pid_ && WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
  pid_ = -1;
  return true;
}

bool AdapterCall::wait(std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!finished()) {
    if (std::chrono::steady_clock::now() >= end) {
      kill();
      return false;
    }
    ::usleep(10000);
  }
  return true;
}

void AdapterCall::kill() {
  if (pid_ < 0) return;
  ::kill(-pid_, SIGKILL);
  int ws = 0;
  ::waitpid(pid_, &ws, 0);
  pid_ = -1;
  status_ = -1;
}

std::vector<std::string> AdapterCall::out_lines() const { return read_lines(out_path_); }
std::vector<std::string> AdapterCall::err_lines() const { return read_lines(err_path_); }

}  // namespace ikeh::scenario
