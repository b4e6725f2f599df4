// SPDX-License-Identifier: Apache-2.0
// Runs the `ikeharness` binary (IKEH_CLI) as a user would and collects its
// exit code, stdout and stderr; shared by the CLI tests.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace ikeh::testing_support {

struct CliRun {
  int rc = -1;
  std::string out;
  std::string err;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// `args` are appended to the binary's path as shell words; stderr goes
// through `stderr_file` (one per test: CTest runs tests in parallel).
inline CliRun run_cli(const std::string& args, const std::filesystem::path& stderr_file) {
  std::string cmd = std::string(IKEH_CLI) + " " + args + " 2>'" + stderr_file.string() + "'";
  CliRun r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = slurp(stderr_file);
  return r;
}

}  // namespace ikeh::testing_support
