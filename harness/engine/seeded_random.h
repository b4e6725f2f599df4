// SPDX-License-Identifier: Apache-2.0
// A reproducible RandomSource for self-mode runs and tests: the same seed
// gives the same SPIs, nonces, DH private values and IVs, so two runs produce
// identical bytes. It is a statistical generator (SplitMix64), not a
// cryptographic one: only for runs whose keys need not be secret.
#pragma once

#include <cstdint>

#include "harness/engine/ike_sa_init.h"

namespace ikeh::engine {

RandomSource seeded_random(uint64_t seed);

}  // namespace ikeh::engine
