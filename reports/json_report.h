// SPDX-License-Identifier: Apache-2.0
// JSON report: one object per line per UDP datagram on an IKE port.
//
//   {"frame":N,"time":<epoch seconds>,"src":"addr","sport":N,"dst":"addr","dport":N,
//    "kind":"IKE"|"ESP"|"NAT-keepalive"|"malformed",
//    "non_esp_marker":bool (IKE only), "esp_spi":N (ESP only),
//    "error":"one line" (decoding failed, or why a datagram is malformed),
//    "ike":{"header":{...},"payloads":[...]} (IKE only)}
//
// The header object holds the header fields by their codec names; the SPIs
// (64-bit) are 16-digit lower-case hex strings, other numbers integers, plus
// "<field>_name" when a registry names the value. A payload object is
// {"type","type_name","offset","next_payload","next_payload_name","critical",
// "reserved","payload_length","body"}; offsets count from the first byte of
// the IKE header (after any non-ESP marker). In a body: numbers as integers
// (+ "_name"), bytes as lower-case hex (+ "_text" when the field's Show hint
// is not hex and the data fits it; + "vendor_id_name" for a known vendor ID),
// flags as bools, a list named X as the array "Xs" (objects for structures,
// hex strings for byte items). When decoding fails, "ike" holds what was
// decoded before the error ("header" is absent under 28 bytes) and "error"
// holds codec::describe() of it.
//
// With record.inner set (keys were given), "ike" also holds "inner":
//   {"first_payload":N,"first_payload_name":"IDi","icv":"verified"|"not checked",
//    "fragment":{"number","total","received","state":"incomplete"|"complete"} (SKF only),
//    "payloads":[...] (the decrypted chain, payload objects as above, offsets
//    from the first byte of the plaintext; absent while fragments are missing),
//    "error":"..." (the inner chain does not decode)}
// or {"error":"ICV mismatch"} when nothing could be decrypted. No "inner" when
// the key table has no row for the IKE SA. Keys never appear.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <span>

#include "harness/codec/payload.h"
#include "harness/core/result.h"
#include "reports/datagram_record.h"

namespace ikeh::reports {

// Writes the object for one datagram on one line, streamed from the codec's
// trace (no document tree). Returns the decode result of an IKE message
// (success for the other kinds); a failed decode is still written, with
// "error".
core::Status write_json_line(std::ostream& out, const DatagramRecord& record);

// The same object as a document (parsed from what write_json_line writes),
// for callers that want to inspect it.
nlohmann::ordered_json to_json(const DatagramRecord& record, core::Status* status = nullptr);

// The payload objects (as in "payloads" above) of a chain held in code, such
// as a scenario transcript's decrypted chain. The chain is encoded with
// codec::encode_payloads (overrides emitted as set) and the encoding decoded
// through the same trace, so the objects show what the wire carried; offsets
// count from the first byte of the chain. When the encoding does not decode
// (a deliberately wrong length, say), the array holds what was decoded before
// the error and *status receives it.
nlohmann::ordered_json payloads_to_json(std::span<const codec::Payload> payloads,
                                        core::Status* status = nullptr);

}  // namespace ikeh::reports
