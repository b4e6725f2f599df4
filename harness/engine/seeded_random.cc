// SPDX-License-Identifier: Apache-2.0
#include "harness/engine/seeded_random.h"

#include <memory>

namespace ikeh::engine {

RandomSource seeded_random(uint64_t seed) {
  auto state = std::make_shared<uint64_t>(seed);
  return [state](uint8_t* out, std::size_t n) {
    for (std::size_t i = 0; i < n; i += 8) {
      // SplitMix64: one multiply chain per 8 bytes.
      uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      z ^= z >> 31;
      for (std::size_t k = 0; k < 8 && i + k < n; ++k) out[i + k] = static_cast<uint8_t>(z >> (8 * k));
    }
  };
}

}  // namespace ikeh::engine
