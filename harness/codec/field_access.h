// SPDX-License-Identifier: Apache-2.0
// Setting any field by name (DESIGN rules 1 and 3): the scenario mutations'
// way into payloads and headers, derived from the same fields(Io&)
// descriptions that decode and encode, so every field the wire carries can be
// named and no payload needs setter code of its own.
//
// Paths are the names the descriptions pass, joined by '/', list elements by
// their index from 0, as in `ikeharness decode --json`:
//
//   payload generic header   next_payload  critical  reserved  payload_length
//   payload body             notify_type   nonce_data   spi_size
//                            proposal/0/transform/2/transform_id
//                            proposal/0/transform/0/attribute/0/attribute_value
//                            traffic_selector/1/end_port   spi/0 (Delete)
//   IKE header               initiator_spi  responder_spi  next_payload
//                            version  major_version  minor_version
//                            exchange_type  flags  message_id  length
//
// Also accepted, so a path can be copied from the JSON output: a "body/"
// prefix on body paths and the JSON's plural list names ("proposals/0/
// transforms/2/transform_id"); "header/" on IKE header paths, and "spi_i" /
// "spi_r" for the SPIs. A body field whose name is also a generic header
// field (the "reserved" of KE, AUTH, ID, CP, TS) is reached only as
// "body/reserved"; plain "reserved" is the generic header's.
//
// Values: numbers for number fields, range-checked against the field's width
// on the wire (7 bits for the generic header's reserved, 15 for the value
// beside a flag bit, 24 for u24 fields); bools for flag bits; bytes for byte
// fields, of any size (a wrong size is a deliberate malformation). Setting a
// computed field (a length, count, size, number, last-substructure marker,
// next payload) sets its override: encode_message() and encode_payloads()
// then emit exactly that value whatever the structure holds. Fields follow
// the payload's current shape: an attribute's value is a number in TV form
// and bytes in TLV form; after changing a field that selects the shape (af,
// ts_type), later paths follow the new shape.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "harness/codec/message.h"

namespace ikeh::codec {

using FieldValue = std::variant<uint64_t, bool, core::Bytes>;

// Sets the field at `path` in the payload's generic header or body. Errors
// (nothing is changed): no such path (the message names the closest known
// path: "did you mean ..."), a list index past the end (lists never grow
// here: add elements to the payload object itself), a value of the wrong kind,
// a number too large for the field.
core::Status set_field(Payload& p, std::string_view path, const FieldValue& value);

// The same for the IKE header. major_version / minor_version set one nibble
// of "version" (0-15).
core::Status set_header_field(Header& h, std::string_view path, const FieldValue& value);
inline core::Status set_header_field(Message& m, std::string_view path, const FieldValue& value) {
  return set_header_field(m.header, path, value);
}

// Every path set_field() accepts for this payload as it is now, in wire
// order: the generic header's four, then the body's, in canonical form (no
// "body/" prefix except where needed, singular list names).
std::vector<std::string> field_paths(const Payload& p);

// Every path set_header_field() accepts, in wire order (the nibble names after
// "version"); aliases are not listed.
std::vector<std::string> header_field_paths();

}  // namespace ikeh::codec
