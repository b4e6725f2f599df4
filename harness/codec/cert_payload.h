// SPDX-License-Identifier: Apache-2.0
// Certificate payload (3.6) and Certificate Request payload (3.7), RFC 7296.
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// | Cert Encoding |                                               |
// +-+-+-+-+-+-+-+-+                                               |
// ~          Certificate Data / Certification Authority           ~
#pragma once

#include "harness/codec/fields.h"

namespace ikeh::codec {

struct CertPayload {
  CertEncoding encoding = CertEncoding::X509_SIGNATURE;
  Bytes data;

  template <class Io>
  void fields(Io& io) {
    io.num("cert_encoding", encoding);
    io.bytes("certificate_data", data);
  }
};

// For X.509 the authority data is a concatenation of 20-byte SHA-1 hashes of
// trusted CAs' public keys.
struct CertReqPayload {
  CertEncoding encoding = CertEncoding::X509_SIGNATURE;
  Bytes data;

  template <class Io>
  void fields(Io& io) {
    io.num("cert_encoding", encoding);
    io.bytes("certification_authority", data);
  }
};

}  // namespace ikeh::codec
