// SPDX-License-Identifier: Apache-2.0
// A whole IKE message: decode, then the message rules, then the inner-payload
// rules on the same chain (as if it had come out of SK), and the traced decode
// printers use, which must agree with the plain one.
#include <algorithm>

#include "fuzz/check.h"
#include "harness/codec/message_io.h"

namespace {

using ikeh::codec::BytesView;
using ikeh::codec::NumFmt;
using ikeh::codec::PayloadType;
using ikeh::codec::Show;

// Checks that every field the traced decoder reports lies inside the input:
// printers index the datagram with these offsets.
struct BoundsTrace {
  BytesView in;
  void at(std::size_t offset, std::size_t width) {
    if (offset > in.size() || width > in.size() - offset) ikeh::fuzz::fail("traced field lies outside the input", in);
  }
  void num(const char*, uint64_t, unsigned width, NumFmt, std::size_t offset) { at(offset, width); }
  void flag(const char*, bool, std::size_t offset) { at(offset, 1); }
  void bytes(const char*, BytesView v, Show, std::size_t offset) {
    at(offset, v.size());
    if (!std::equal(v.begin(), v.end(), in.begin() + static_cast<std::ptrdiff_t>(offset)))
      ikeh::fuzz::fail("traced bytes differ from the input at their offset", in);
  }
  void begin(const char*, int, std::size_t offset) { at(offset, 0); }
  void begin_payload(PayloadType, std::size_t offset) { at(offset, 0); }
  void end(std::size_t offset) { at(offset, 0); }
  void begin_list(const char*) {}
  void end_list() {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace ikeh;
  BytesView in(data, size);
  auto m = codec::decode_message(in);

  BoundsTrace trace{in};
  auto traced = codec::trace_message(in, trace);
  if (traced.ok() != m.ok())
    fuzz::fail(m.ok() ? "trace_message refused a message decode_message accepted"
                      : "trace_message accepted a message decode_message refused",
               in);
  if (!m) {
    fuzz::check_error(m.error(), in);
    if (traced.error().to_string() != m.error().to_string()) fuzz::fail("traced and plain decoding fail differently", in);
    return 0;
  }
  if (m->raw().size() != size) fuzz::fail("message raw bytes are not the input", in);
  for (const auto& p : m->payloads) {
    auto raw = p.raw();
    if (raw.size() < 4 || p.raw_offset() + raw.size() > size) fuzz::fail("payload raw bytes outside the message", in);
  }
  (void)codec::summary(*m);

  if (auto s = codec::verify_message(*m); !s) fuzz::check_error(s.error(), in);
  auto inner = codec::verify_inner(m->header.exchange_type, m->header.is_response(), m->payloads);
  if (!inner) fuzz::check_error(inner.error(), in);
  return 0;
}
