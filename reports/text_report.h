// SPDX-License-Identifier: Apache-2.0
// Text report for people: one line per datagram (frame, addresses, exchange,
// request/response, flags, message ID, SPIs, length), then the payload chain
// with one field per line, as the codec's field descriptions name them.
#pragma once

#include <ostream>

#include "harness/core/result.h"
#include "reports/datagram_record.h"

namespace ikeh::reports {

// Writes the datagram. For an IKE datagram whose message does not decode,
// everything decoded up to the error is written, then an "error:" line, and
// the codec's error is returned; otherwise returns success. ESP, keepalive
// and malformed datagrams are one line each (malformed returns no error:
// the caller reports record.error).
//
// With record.inner set, the SK/SKF line is followed (indented under it) by
// what became of it: "decrypted, ICV verified" or "decrypted, ICV not checked
// (...)" and the inner payloads field by field, the fragment state of an SKF,
// "not decrypted: <why>", or the no-keys note. An inner chain that does not
// decode is printed as far as it goes with an "error:" line; that is not
// returned (the caller decodes the chain itself to report it).
core::Status write_text(std::ostream& out, const DatagramRecord& record);

}  // namespace ikeh::reports
