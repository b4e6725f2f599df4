// SPDX-License-Identifier: Apache-2.0
#include "harness/core/result.h"

namespace ikeh::core {

std::string Error::to_string() const {
  std::string s = where;
  if (has_offset) {
    s += s.empty() ? "offset " : " at offset ";
    s += std::to_string(offset);
  }
  if (!field.empty()) {
    s += s.empty() ? "field " : ": field ";
    s += field;
  }
  if (!s.empty()) s += ": ";
  s += reason;
  return s;
}

}  // namespace ikeh::core
