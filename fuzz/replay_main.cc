// SPDX-License-Identifier: Apache-2.0
// A main() for builds without libFuzzer (GCC, or clang without IKEH_FUZZ):
// runs LLVMFuzzerTestOneInput once over every file named on the command line
// or found in a named directory, in sorted order so runs are reproducible.
// This is how CTest replays the committed corpus and how a crash file from a
// libFuzzer run is reproduced under a debugger.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

namespace {

bool run_file(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "%s: cannot read\n", path.c_str());
    return false;
  }
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  // Announce the file first: when the target aborts, the last line names it.
  std::fprintf(stderr, "replay %s (%zu bytes)\n", path.c_str(), data.size());
  // A heap copy of exactly the input size, so AddressSanitizer sees a read
  // one past the end the way it does under libFuzzer.
  std::unique_ptr<uint8_t[]> copy(new uint8_t[data.size()]);
  std::copy(data.begin(), data.end(), copy.get());
  LLVMFuzzerTestOneInput(copy.get(), data.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIR...\nRuns the fuzz target once over each input.\n", argv[0]);
    return 2;
  }
  std::size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    fs::path arg(argv[i]);
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<fs::path> files;
      for (const auto& e : fs::recursive_directory_iterator(arg))
        if (e.is_regular_file()) files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const auto& p : files) count += run_file(p) ? 1 : 0;
    } else if (fs::is_regular_file(arg, ec)) {
      if (!run_file(arg)) return 2;
      ++count;
    } else {
      std::fprintf(stderr, "%s: no such file or directory\n", argv[i]);
      return 2;
    }
  }
  // An empty replay is a misconfigured test, not a pass.
  if (count == 0) {
    std::fprintf(stderr, "no inputs found\n");
    return 2;
  }
  std::printf("%s: replayed %zu inputs without a failure\n", fs::path(argv[0]).filename().c_str(), count);
  return 0;
}
