// SPDX-License-Identifier: Apache-2.0
#include "harness/core/result.h"

namespace ikeh::core {

Error make_error(std::string where, std::string reason, uint16_t notify) {
  Error e;
  e.where = std::move(where);
  e.reason = std::move(reason);
  e.notify = notify;
  return e;
}

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
