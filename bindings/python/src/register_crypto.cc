// SPDX-License-Identifier: Apache-2.0
// crypto: transforms, prf/prf+, key derivation (RFC 7296 2.13-2.18), SK
// protection, Wireshark key tables and the SK decryptor. Keys are Secret
// objects: their repr shows the length only; reveal() is the explicit way out.
#include <cstdio>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <pybind11/typing.h>

#include "bindings/python/src/common.h"
#include "harness/codec/message.h"
#include "harness/codec/registry.h"
#include "harness/crypto/kdf.h"
#include "harness/crypto/key_table.h"
#include "harness/crypto/prf.h"
#include "harness/crypto/secret.h"
#include "harness/crypto/sk.h"
#include "harness/crypto/sk_decryptor.h"
#include "harness/crypto/transforms.h"

namespace ikeh::python {

namespace {

using crypto::Secret;

// A registry value from an int, a registered enum (anything with __index__)
// or its IANA name ("PRF_HMAC_SHA2_256").
template <class E>
E to_enum(const py::handle& o) {
  using U = std::underlying_type_t<E>;
  const std::string title(codec::RegistryOf<E>::title);
  if (py::isinstance<py::str>(o)) {
    auto name = o.cast<std::string>();
    auto v = codec::parse_name<E>(name);
    if (!v) throw py::value_error("unknown " + title + " name \"" + name + "\"");
    return *v;
  }
  if (PyBool_Check(o.ptr()) || !PyIndex_Check(o.ptr()))
    throw py::type_error(title + ": expected an int, a name or the enum, not " +
                         std::string(py::str(py::type::handle_of(o).attr("__name__"))));
  auto i = py::reinterpret_steal<py::int_>(PyNumber_Index(o.ptr()));
  if (!i) throw py::error_already_set();
  if (i < py::int_(0) || i > py::int_(std::numeric_limits<U>::max()))
    throw py::value_error(title + " " + std::string(py::str(i)) + " is out of range 0.." +
                          std::to_string(std::numeric_limits<U>::max()));
  const auto v = i.cast<U>();
  return static_cast<E>(v);
}

// The registered enum for a named value (as the codec area returns them),
// else the int.
template <class E>
py::object enum_out(E v) {
  if (py::detail::get_type_info(typeid(E)) && !codec::name_of(v).empty()) return py::cast(v);
  return py::int_(static_cast<unsigned>(v));
}

Secret secret_from_buffer(const py::buffer& b) {
  if (PyUnicode_Check(b.ptr())) throw py::type_error("expected bytes, bytearray or memoryview, not str");
  py::buffer_info info = b.request();
  if (info.ndim != 1 || info.itemsize != 1) throw py::type_error("expected a one-dimensional byte buffer");
  return Secret(core::BytesView(static_cast<const uint8_t*>(info.ptr), static_cast<std::size_t>(info.size)));
}

// Key parameters take a Secret or any bytes-like object (the stub says so).
using KeyArg = py::typing::Union<Secret, py::buffer>;
Secret key_in(const py::object& o) {
  if (py::isinstance<Secret>(o)) return o.cast<Secret>();
  if (!PyObject_CheckBuffer(o.ptr()))
    throw py::type_error("expected a Secret or bytes, not " + std::string(py::str(py::type::of(o).attr("__name__"))));
  return secret_from_buffer(py::reinterpret_borrow<py::buffer>(o));
}

// A decoded message: the given one, or decoded from the wire bytes.
codec::Message message_from(const py::object& message, core::BytesView wire) {
  if (message.is_none()) return unwrap(codec::decode_message(wire), "DecodeError");
  if (PyObject_CheckBuffer(message.ptr())) return unwrap(codec::decode_message(from_buffer(message)), "DecodeError");
  try {
    return message.cast<codec::Message>();
  } catch (const py::cast_error&) {
    throw py::type_error("message: expected a Message or its bytes, not " +
                         std::string(py::str(py::type::handle_of(message).attr("__name__"))));
  }
}

void require_sk_last(const codec::Message& m) {
  if (m.payloads.empty() || (m.payloads.back().type != codec::PayloadType::SK &&
                             m.payloads.back().type != codec::PayloadType::SKF))
    throw py::value_error("the message's last payload is not SK or SKF");
}

std::string secret_len(const Secret& s) { return std::to_string(s.size()) + " bytes"; }

py::object optional_bytes(const std::optional<core::Bytes>& b) {
  return b ? py::object(to_bytes(*b)) : py::object(py::none());
}
std::optional<core::Bytes> optional_from(const py::object& o) {
  if (o.is_none()) return std::nullopt;
  return from_buffer(o);
}

// A key table, or CaptureError with the table's file in `where` (the message
// is the C++ one, "FILE:LINE: ...").
crypto::KeyTable table_or_raise(core::Result<crypto::KeyTable>&& r, const std::string& file) {
  if (r) return std::move(r).value();
  core::Error e = r.error();
  if (e.where.empty()) e.where = file;
  raise_error("CaptureError", e, r.error().reason);
}

const char* state_name(crypto::OpenedSk::State s) {
  switch (s) {
    case crypto::OpenedSk::State::Decrypted: return "Decrypted";
    case crypto::OpenedSk::State::FragmentPending: return "FragmentPending";
    case crypto::OpenedSk::State::NoKeys: return "NoKeys";
    case crypto::OpenedSk::State::Failed: return "Failed";
  }
  return "?";
}

}  // namespace

void register_crypto(py::module_& m) {
  // --- Secret ---------------------------------------------------------------
  py::class_<Secret>(m, "Secret",
                     "Key material (PSK, SKEYSEED, SK_* keys). Wiped when freed; repr and str show the length "
                     "only. reveal() returns the bytes, for key export and tests.")
      .def(py::init(&secret_from_buffer), py::arg("data"), "A secret holding a copy of the bytes.")
      .def("size", &Secret::size, "Length in bytes.")
      .def("__len__", &Secret::size)
      .def("empty", &Secret::empty, "True when it holds no bytes.")
      .def("reveal", [](const Secret& s) { return to_bytes(s.view()); },
           "A copy of the bytes (the one explicit way to see a key).")
      .def("first", &Secret::first, py::arg("n"), "The first n bytes as a new Secret (clamped).")
      .def("sub", &Secret::sub, py::arg("pos"), py::arg("n"), "n bytes from pos on as a new Secret (clamped).")
      .def(
          "__eq__",
          [](const Secret& a, const py::object& other) -> py::object {
            if (py::isinstance<Secret>(other)) return py::bool_(a == other.cast<const Secret&>());
            if (PyObject_CheckBuffer(other.ptr())) return py::bool_(a == secret_from_buffer(other));
            return py::reinterpret_borrow<py::object>(Py_NotImplemented);
          },
          py::arg("other"), "Constant-time comparison in the length, with a Secret or bytes.")
      .def("__repr__", [](const Secret& s) { return "Secret(<" + secret_len(s) + ">)"; });
  py::implicitly_convertible<py::bytes, Secret>();
  py::implicitly_convertible<py::bytearray, Secret>();
  py::implicitly_convertible<py::memoryview, Secret>();

  // --- transforms -------------------------------------------------------------
  py::enum_<crypto::CipherMode>(m, "CipherMode", "How an ENCR transform is run.")
      .value("Null", crypto::CipherMode::Null)
      .value("Cbc", crypto::CipherMode::Cbc)
      .value("Ctr", crypto::CipherMode::Ctr)
      .value("Gcm", crypto::CipherMode::Gcm)
      .value("Ccm", crypto::CipherMode::Ccm)
      .value("ChaCha20Poly1305", crypto::CipherMode::ChaCha20Poly1305);

  py::class_<crypto::EncrInfo>(m, "EncrInfo", "Sizes of an encryption transform (key, salt, IV, block, ICV).")
      .def_property_readonly("id", [](const crypto::EncrInfo& e) { return enum_out(e.id); }, "EncrId.")
      .def_readonly("mode", &crypto::EncrInfo::mode, "CipherMode.")
      .def_readonly("key_bits", &crypto::EncrInfo::key_bits, "KEY_LENGTH attribute value (or the fixed size).")
      .def_readonly("key_size", &crypto::EncrInfo::key_size, "Cipher key bytes, without salt.")
      .def_readonly("salt_size", &crypto::EncrInfo::salt_size, "Salt bytes after the key in SK_e.")
      .def_readonly("iv_size", &crypto::EncrInfo::iv_size, "Explicit IV bytes carried in SK.")
      .def_readonly("block_size", &crypto::EncrInfo::block_size, "Padding block size.")
      .def_readonly("icv_size", &crypto::EncrInfo::icv_size, "AEAD tag bytes (0 for non-AEAD).")
      .def_readonly("aead", &crypto::EncrInfo::aead, "True for AEAD ciphers.")
      .def_readonly("name", &crypto::EncrInfo::name, "\"ENCR_AES_GCM_16 256\".")
      .def("keymat_size", &crypto::EncrInfo::keymat_size, "Length of SK_e: key plus salt.")
      .def("__repr__", [](const crypto::EncrInfo& e) { return "EncrInfo(" + e.name + ")"; });

  py::class_<crypto::PrfInfo>(m, "PrfInfo", "Sizes of a PRF transform.")
      .def_property_readonly("id", [](const crypto::PrfInfo& p) { return enum_out(p.id); }, "PrfId.")
      .def_readonly("output_size", &crypto::PrfInfo::output_size, "Output bytes.")
      .def_readonly("key_size", &crypto::PrfInfo::key_size, "Preferred key length (SK_d, SK_pi, SK_pr).")
      .def_readonly("fixed_key", &crypto::PrfInfo::fixed_key, "True for the AES-based PRFs (16-byte key).")
      .def_readonly("name", &crypto::PrfInfo::name, "IANA name.")
      .def("__repr__", [](const crypto::PrfInfo& p) { return "PrfInfo(" + p.name + ")"; });

  py::class_<crypto::IntegInfo>(m, "IntegInfo", "Sizes of an integrity transform.")
      .def_property_readonly("id", [](const crypto::IntegInfo& i) { return enum_out(i.id); }, "IntegId.")
      .def_readonly("key_size", &crypto::IntegInfo::key_size, "Key bytes (SK_a).")
      .def_readonly("icv_size", &crypto::IntegInfo::icv_size, "Truncated ICV bytes carried in SK.")
      .def_readonly("name", &crypto::IntegInfo::name, "IANA name.")
      .def("__repr__", [](const crypto::IntegInfo& i) { return "IntegInfo(" + i.name + ")"; });

  m.def(
      "encr_info",
      [](const py::object& id, std::optional<uint16_t> key_bits) {
        return unwrap(crypto::encr_info(to_enum<codec::EncrId>(id), key_bits), "CryptoError");
      },
      py::arg("id"), py::arg("key_bits") = py::none(),
      "Sizes of an ENCR transform (EncrId, int or name); key_bits is the KEY_LENGTH attribute. "
      "Raises CryptoError for an unsupported transform or key length.");
  m.def(
      "prf_info",
      [](const py::object& id) { return unwrap(crypto::prf_info(to_enum<codec::PrfId>(id)), "CryptoError"); },
      py::arg("id"), "Sizes of a PRF (PrfId, int or name). Raises CryptoError when unsupported.");
  m.def(
      "integ_info",
      [](const py::object& id) { return unwrap(crypto::integ_info(to_enum<codec::IntegId>(id)), "CryptoError"); },
      py::arg("id"), "Sizes of an INTEG transform (IntegId, int or name). Raises CryptoError when unsupported.");

  py::class_<crypto::KeySuite>(m, "KeySuite", "The negotiated transforms that size the keys (integ None for AEAD).")
      .def_readonly("encr", &crypto::KeySuite::encr, "EncrInfo.")
      .def_readonly("integ", &crypto::KeySuite::integ, "IntegInfo, or None for AEAD.")
      .def_readonly("prf", &crypto::KeySuite::prf, "PrfInfo.")
      .def("__repr__", [](const crypto::KeySuite& s) {
        return "KeySuite(" + s.encr.name + ", " + (s.integ ? s.integ->name : std::string("AUTH_NONE")) + ", " +
               s.prf.name + ")";
      });
  m.def(
      "make_suite",
      [](const py::object& encr, std::optional<uint16_t> key_bits, const py::object& integ, const py::object& prf) {
        return unwrap(crypto::make_suite(to_enum<codec::EncrId>(encr), key_bits, to_enum<codec::IntegId>(integ),
                                         to_enum<codec::PrfId>(prf)),
                      "CryptoError");
      },
      py::arg("encr"), py::arg("key_bits"), py::arg("integ"), py::arg("prf"),
      "A KeySuite from IANA ids (enums, ints or names). integ may be AUTH_NONE only with an AEAD cipher. "
      "Raises CryptoError for unsupported transforms or key lengths.");

  // --- prf, prf+, key derivation ---------------------------------------------------
  m.def(
      "prf",
      [](const py::object& id, const KeyArg& key, const py::buffer& data) {
        return unwrap(crypto::prf(to_enum<codec::PrfId>(id), key_in(key).view(), from_buffer(data)), "CryptoError");
      },
      py::arg("prf"), py::arg("key"), py::arg("data"), "prf(key, data) as a Secret. Raises CryptoError.");
  m.def(
      "prf_prf",
      [](const py::object& id, const KeyArg& key, const py::buffer& label, const py::buffer& data) {
        return unwrap(
            crypto::prf_prf(to_enum<codec::PrfId>(id), key_in(key).view(), from_buffer(label), from_buffer(data)),
            "CryptoError");
      },
      py::arg("prf"), py::arg("key"), py::arg("label"), py::arg("data"),
      "prf(prf(key, label), data), as AUTH with a shared secret uses it (RFC 7296 2.15).");
  m.def(
      "prf_plus",
      [](const py::object& id, const KeyArg& key, const py::buffer& seed, std::size_t length) {
        return unwrap(crypto::prf_plus(to_enum<codec::PrfId>(id), key_in(key).view(), from_buffer(seed), length),
                      "CryptoError");
      },
      py::arg("prf"), py::arg("key"), py::arg("seed"), py::arg("length"),
      "prf+(key, seed) truncated to length bytes (RFC 7296 2.13). Raises CryptoError past 255 blocks.");
  m.def(
      "skeyseed",
      [](const py::object& id, const py::buffer& ni, const py::buffer& nr, const KeyArg& g_ir) {
        return unwrap(
            crypto::skeyseed(to_enum<codec::PrfId>(id), from_buffer(ni), from_buffer(nr), key_in(g_ir).view()),
            "CryptoError");
      },
      py::arg("prf"), py::arg("ni"), py::arg("nr"), py::arg("g_ir"),
      "SKEYSEED = prf(Ni | Nr, g^ir); for the AES PRFs the key is the first 64 bits of Ni and Nr (RFC 7296 2.14).");
  m.def(
      "skeyseed_rekey",
      [](const py::object& id, const KeyArg& old_sk_d, const KeyArg& g_ir_new, const py::buffer& ni,
         const py::buffer& nr) {
        return unwrap(crypto::skeyseed_rekey(to_enum<codec::PrfId>(id), key_in(old_sk_d).view(),
                                             key_in(g_ir_new).view(), from_buffer(ni), from_buffer(nr)),
                      "CryptoError");
      },
      py::arg("old_prf"), py::arg("old_sk_d"), py::arg("g_ir_new"), py::arg("ni"), py::arg("nr"),
      "Rekeyed SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) (RFC 7296 2.18).");

  py::class_<crypto::IkeSaKeys>(m, "IkeSaKeys", "The seven SK_* keys of an IKE SA (Secrets).")
      .def(py::init([](const KeyArg& sk_d, const KeyArg& sk_ai, const KeyArg& sk_ar, const KeyArg& sk_ei,
                       const KeyArg& sk_er, const KeyArg& sk_pi, const KeyArg& sk_pr) {
             return crypto::IkeSaKeys{key_in(sk_d),  key_in(sk_ai), key_in(sk_ar), key_in(sk_ei),
                                      key_in(sk_er), key_in(sk_pi), key_in(sk_pr)};
           }),
           py::arg("sk_d") = py::bytes(), py::arg("sk_ai") = py::bytes(),
           py::arg("sk_ar") = py::bytes(), py::arg("sk_ei") = py::bytes(),
           py::arg("sk_er") = py::bytes(), py::arg("sk_pi") = py::bytes(),
           py::arg("sk_pr") = py::bytes(), "Keys given as Secrets or bytes (missing ones empty).")
      .def_readwrite("sk_d", &crypto::IkeSaKeys::sk_d, "SK_d.")
      .def_readwrite("sk_ai", &crypto::IkeSaKeys::sk_ai, "SK_ai.")
      .def_readwrite("sk_ar", &crypto::IkeSaKeys::sk_ar, "SK_ar.")
      .def_readwrite("sk_ei", &crypto::IkeSaKeys::sk_ei, "SK_ei.")
      .def_readwrite("sk_er", &crypto::IkeSaKeys::sk_er, "SK_er.")
      .def_readwrite("sk_pi", &crypto::IkeSaKeys::sk_pi, "SK_pi.")
      .def_readwrite("sk_pr", &crypto::IkeSaKeys::sk_pr, "SK_pr.")
      .def("__repr__", [](const crypto::IkeSaKeys& k) {
        return "IkeSaKeys(sk_d=<" + secret_len(k.sk_d) + ">, sk_ai=<" + secret_len(k.sk_ai) + ">, sk_ar=<" +
               secret_len(k.sk_ar) + ">, sk_ei=<" + secret_len(k.sk_ei) + ">, sk_er=<" + secret_len(k.sk_er) +
               ">, sk_pi=<" + secret_len(k.sk_pi) + ">, sk_pr=<" + secret_len(k.sk_pr) + ">)";
      });
  m.def(
      "derive_ike_sa_keys",
      [](const crypto::KeySuite& suite, const KeyArg& skeyseed, const py::buffer& ni, const py::buffer& nr,
         uint64_t spi_i, uint64_t spi_r) {
        return unwrap(crypto::derive_ike_sa_keys(suite, key_in(skeyseed).view(), from_buffer(ni), from_buffer(nr),
                                                 spi_i, spi_r),
                      "CryptoError");
      },
      py::arg("suite"), py::arg("skeyseed"), py::arg("ni"), py::arg("nr"), py::arg("spi_i"), py::arg("spi_r"),
      "{SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), sized by "
      "the suite (RFC 7296 2.14).");

  py::class_<crypto::ChildSaKeys>(m, "ChildSaKeys", "Child SA KEYMAT split into its four keys (Secrets).")
      .def_readonly("encr_i", &crypto::ChildSaKeys::encr_i, "Initiator-to-responder encryption key.")
      .def_readonly("integ_i", &crypto::ChildSaKeys::integ_i, "Initiator-to-responder integrity key.")
      .def_readonly("encr_r", &crypto::ChildSaKeys::encr_r, "Responder-to-initiator encryption key.")
      .def_readonly("integ_r", &crypto::ChildSaKeys::integ_r, "Responder-to-initiator integrity key.")
      .def("__repr__", [](const crypto::ChildSaKeys& k) {
        return "ChildSaKeys(encr_i=<" + secret_len(k.encr_i) + ">, integ_i=<" + secret_len(k.integ_i) +
               ">, encr_r=<" + secret_len(k.encr_r) + ">, integ_r=<" + secret_len(k.integ_r) + ">)";
      });
  m.def(
      "derive_child_sa_keys",
      [](const py::object& prf, const KeyArg& sk_d, const crypto::EncrInfo& encr,
         const std::optional<crypto::IntegInfo>& integ, const py::buffer& ni, const py::buffer& nr,
         const KeyArg& g_ir_new) {
        return unwrap(crypto::derive_child_sa_keys(to_enum<codec::PrfId>(prf), key_in(sk_d).view(), encr, integ,
                                                   from_buffer(ni), from_buffer(nr), key_in(g_ir_new).view()),
                      "CryptoError");
      },
      py::arg("prf"), py::arg("sk_d"), py::arg("encr"), py::arg("integ"), py::arg("ni"), py::arg("nr"),
      py::arg("g_ir_new") = py::bytes(),
      "KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) split into encryption then integrity key, initiator first "
      "(RFC 7296 2.17).");

  // --- SK protection -----------------------------------------------------------------
  py::class_<crypto::SkKeys>(m, "SkKeys", "One direction's SK_e (key | salt) and SK_a (empty for AEAD).")
      .def(py::init([](const KeyArg& encr, const KeyArg& integ) {
             return crypto::SkKeys{key_in(encr), key_in(integ)};
           }),
           py::arg("encr"), py::arg("integ") = py::bytes(), "From Secrets or bytes.")
      .def_readwrite("encr", &crypto::SkKeys::encr, "SK_e.")
      .def_readwrite("integ", &crypto::SkKeys::integ, "SK_a.")
      .def("__repr__", [](const crypto::SkKeys& k) {
        return "SkKeys(encr=<" + secret_len(k.encr) + ">, integ=<" + secret_len(k.integ) + ">)";
      });
  m.def("keys_for", &crypto::keys_for, py::arg("keys"), py::arg("initiator_flag"),
        "SK_ei/SK_ai when the message's I flag is set (the original initiator sends), else SK_er/SK_ar.");

  py::class_<crypto::ProtectFaults>(m, "ProtectFaults", "Deliberate faults in SK protection (all off by default).")
      .def(py::init<>(), "No faults: protect as the RFC says.")
      .def_property(
          "iv", [](const crypto::ProtectFaults& f) { return optional_bytes(f.iv); },
          [](crypto::ProtectFaults& f, const py::object& v) { f.iv = optional_from(v); },
          "This IV instead of a random one (bytes or None).")
      .def_property(
          "padding", [](const crypto::ProtectFaults& f) { return optional_bytes(f.padding); },
          [](crypto::ProtectFaults& f, const py::object& v) { f.padding = optional_from(v); },
          "These padding bytes (any length), or None.")
      .def_readwrite("pad_length", &crypto::ProtectFaults::pad_length, "Write this Pad Length value, or None.")
      .def_readwrite("corrupt_icv", &crypto::ProtectFaults::corrupt_icv, "Flip a bit of the computed ICV.")
      .def_readwrite("icv_length", &crypto::ProtectFaults::icv_length, "Emit only this many ICV bytes, or None.")
      .def_property(
          "icv", [](const crypto::ProtectFaults& f) { return optional_bytes(f.icv); },
          [](crypto::ProtectFaults& f, const py::object& v) { f.icv = optional_from(v); },
          "Emit these bytes as the ICV, or None.");

  m.def(
      "protect",
      [](const crypto::KeySuite& suite, const crypto::SkKeys& keys, const py::object& message,
         const py::object& first_inner, const py::buffer& inner, const std::optional<crypto::ProtectFaults>& faults) {
        codec::Message msg = message_from(message, {});
        return to_bytes(unwrap(crypto::protect(suite, keys, std::move(msg), to_enum<codec::PayloadType>(first_inner),
                                               from_buffer(inner), faults.value_or(crypto::ProtectFaults{})),
                               "CryptoError"));
      },
      py::arg("suite"), py::arg("keys"), py::arg("message"), py::arg("first_inner"), py::arg("inner"),
      py::arg("faults") = py::none(),
      "Encrypts the inner payload chain (bytes starting with a payload of type first_inner) into the last "
      "payload (SK or SKF) of message (a codec Message or its encoded bytes) and returns the wire bytes. "
      "Raises CryptoError (no SK/SKF last, wrong key sizes).");

  py::class_<crypto::Unprotected>(m, "Unprotected", "A verified, decrypted SK payload.")
      .def_property_readonly("first_inner", [](const crypto::Unprotected& u) { return enum_out(u.first_inner); },
                             "PayloadType of the first inner payload.")
      .def_property_readonly("inner", [](const crypto::Unprotected& u) { return to_bytes(u.inner); },
                             "The decrypted inner chain without padding and pad length.")
      .def_property_readonly("iv", [](const crypto::Unprotected& u) { return to_bytes(u.iv); }, "The IV.")
      .def_property_readonly("padding", [](const crypto::Unprotected& u) { return to_bytes(u.padding); },
                             "The padding bytes.")
      .def_readonly("pad_length", &crypto::Unprotected::pad_length, "The Pad Length field.")
      .def(
          "payloads",
          [](const crypto::Unprotected& u) {
            return unwrap(codec::decode_payloads(u.first_inner, u.inner), "DecodeError");
          },
          "The inner chain decoded (codec Payloads). Raises DecodeError.")
      .def("__repr__", [](const crypto::Unprotected& u) {
        return "Unprotected(first_inner=" + codec::label(u.first_inner) + ", inner=<" +
               std::to_string(u.inner.size()) + " bytes>)";
      });
  m.def(
      "unprotect",
      [](const crypto::KeySuite& suite, const crypto::SkKeys& keys, const py::buffer& wire,
         const py::object& message) {
        core::Bytes w = from_buffer(wire);
        codec::Message msg = message_from(message, w);
        return unwrap(crypto::unprotect(suite, keys, msg, w), "CryptoError");
      },
      py::arg("suite"), py::arg("keys"), py::arg("wire"), py::arg("message") = py::none(),
      "Verifies the ICV (or AEAD tag) of the wire bytes and decrypts their last payload (SK or SKF). message "
      "is the Message decoded from wire (decoded here when None; DecodeError when it does not decode). Raises "
      "CryptoError (\"ICV mismatch\", short or misaligned ciphertext, bad pad length).");
  m.def(
      "protect_fragments",
      [](const crypto::KeySuite& suite, const crypto::SkKeys& keys, const py::object& message,
         const py::object& first_inner, const py::buffer& inner, std::size_t max_datagram) {
        codec::Message msg = message_from(message, {});
        auto frags = unwrap(crypto::protect_fragments(suite, keys, std::move(msg),
                                                      to_enum<codec::PayloadType>(first_inner), from_buffer(inner),
                                                      max_datagram),
                            "CryptoError");
        py::list out;
        for (const auto& f : frags) out.append(to_bytes(f));
        return out;
      },
      py::arg("suite"), py::arg("keys"), py::arg("message"), py::arg("first_inner"), py::arg("inner"),
      py::arg("max_datagram"),
      "RFC 7383: the inner chain split into SKF fragments whose datagrams fit max_datagram bytes, each "
      "protected on its own; returns their wire bytes. Raises CryptoError.");

  // --- Wireshark key tables and the SK decryptor ----------------------------------------
  py::class_<crypto::KeyTableEntry>(m, "KeyTableEntry", "One IKE SA's row of a Wireshark ikev2_decryption_table.")
      .def_readonly("spi_i", &crypto::KeyTableEntry::spi_i, "Initiator SPI.")
      .def_readonly("spi_r", &crypto::KeyTableEntry::spi_r, "Responder SPI.")
      .def_readonly("sk_ei", &crypto::KeyTableEntry::sk_ei, "SK_ei (Secret).")
      .def_readonly("sk_er", &crypto::KeyTableEntry::sk_er, "SK_er (Secret).")
      .def_readonly("sk_ai", &crypto::KeyTableEntry::sk_ai, "SK_ai (Secret).")
      .def_readonly("sk_ar", &crypto::KeyTableEntry::sk_ar, "SK_ar (Secret).")
      .def_readonly("line", &crypto::KeyTableEntry::line, "1-based line in the file it was read from (0: built).")
      .def_property_readonly(
          "encr_name",
          [](const crypto::KeyTableEntry& e) { return e.encr ? std::string(e.encr->name) : std::string(); },
          "Wireshark's encryption name (\"AES-CBC-256 [RFC3602]\").")
      .def_property_readonly(
          "integ_name",
          [](const crypto::KeyTableEntry& e) { return e.integ ? std::string(e.integ->name) : std::string(); },
          "Wireshark's integrity name (\"HMAC_SHA2_256_128 [RFC4868]\").")
      .def(
          "suite", [](const crypto::KeyTableEntry& e) { return unwrap(e.suite(), "CryptoError"); },
          "The KeySuite for unprotect() (integ only when the ICV is checked by an integrity algorithm).")
      .def("ike_sa_keys", &crypto::KeyTableEntry::ike_sa_keys,
           "The four SK_e/SK_a keys as IkeSaKeys (SK_d, SK_pi, SK_pr empty), for keys_for().")
      .def("icv_size", &crypto::KeyTableEntry::icv_size, "ICV length in bytes.")
      .def("__repr__", [](const crypto::KeyTableEntry& e) {
        char spis[40];
        std::snprintf(spis, sizeof spis, "%016llx, %016llx", static_cast<unsigned long long>(e.spi_i),
                      static_cast<unsigned long long>(e.spi_r));
        return "KeyTableEntry(" + std::string(spis) + ", \"" + (e.encr ? std::string(e.encr->name) : "") +
               "\", \"" + (e.integ ? std::string(e.integ->name) : "") + "\")";
      });
  py::class_<crypto::KeyTable>(m, "KeyTable", "A Wireshark ikev2_decryption_table.")
      .def(py::init<>(), "An empty table.")
      .def_readonly("entries", &crypto::KeyTable::entries, "The rows (KeyTableEntry), in file order.")
      .def("find", &crypto::KeyTable::find, py::arg("spi_i"), py::arg("spi_r"),
           py::return_value_policy::reference_internal,
           "The entry for an IKE SA, or None (all-zero SPIs never match).")
      .def("__len__", [](const crypto::KeyTable& t) { return t.entries.size(); });
  m.def(
      "parse_key_table",
      [](std::string_view text, const std::string& file) {
        return table_or_raise(crypto::parse_key_table(text, file), file);
      },
      py::arg("text"), py::arg("file") = "<string>",
      "Parses ikev2_decryption_table text; file names the source in errors. Raises CaptureError "
      "(\"FILE:LINE: ...\").");
  m.def(
      "read_key_table",
      [](const std::string& path) { return table_or_raise(crypto::read_key_table(path), path); },
      py::arg("path"),
      "Reads and parses an ikev2_decryption_table file. Raises CaptureError (\"FILE:LINE: ...\" or \"FILE: "
      "cannot read: ...\").");
  m.def(
      "make_key_table_entry",
      [](uint64_t spi_i, uint64_t spi_r, const crypto::KeySuite& suite, const crypto::IkeSaKeys& keys) {
        return unwrap(crypto::make_key_table_entry(spi_i, spi_r, suite, keys), "CryptoError");
      },
      py::arg("spi_i"), py::arg("spi_r"), py::arg("suite"), py::arg("keys"),
      "A key table row for a negotiated suite. Raises CryptoError when Wireshark has no name for a transform.");
  m.def("format_key_table_row", &crypto::format_key_table_row, py::arg("entry"),
        "One row (no newline) as parse_key_table reads it. It contains the keys.");
  m.def(
      "format_key_table",
      [](const std::vector<crypto::KeyTableEntry>& entries) { return crypto::format_key_table(entries); },
      py::arg("entries"), "A whole table file: Wireshark's comment line and one row per entry. It contains the keys.");

  py::class_<crypto::OpenedSk> opened(m, "OpenedSk", "What became of one SK/SKF payload opened with a key table.");
  py::enum_<crypto::OpenedSk::State>(opened, "State", "Decrypted, FragmentPending, NoKeys or Failed.")
      .value("Decrypted", crypto::OpenedSk::State::Decrypted)
      .value("FragmentPending", crypto::OpenedSk::State::FragmentPending)
      .value("NoKeys", crypto::OpenedSk::State::NoKeys)
      .value("Failed", crypto::OpenedSk::State::Failed);
  opened.def_readonly("state", &crypto::OpenedSk::state, "OpenedSk.State.")
      .def_readonly("icv_verified", &crypto::OpenedSk::icv_verified,
                    "False when the table's integrity is \"ANY n-bits [No Checking]\".")
      .def_readonly("first_without_keys", &crypto::OpenedSk::first_without_keys,
                    "NoKeys: the first message of this IKE SA seen without keys.")
      .def_property_readonly("first", [](const crypto::OpenedSk& o) { return enum_out(o.first); },
                             "PayloadType of the first inner payload.")
      .def_property_readonly("inner", [](const crypto::OpenedSk& o) { return to_bytes(o.inner); },
                             "Decrypted: the inner chain (reassembled for SKF).")
      .def_readonly("fragment", &crypto::OpenedSk::fragment, "True for an SKF payload.")
      .def_readonly("fragment_number", &crypto::OpenedSk::fragment_number, "SKF Fragment Number.")
      .def_readonly("total_fragments", &crypto::OpenedSk::total_fragments, "SKF Total Fragments.")
      .def_readonly("fragments_received", &crypto::OpenedSk::fragments_received, "SKF fragments held so far.")
      .def_readonly("error", &crypto::OpenedSk::error, "Failed: \"ICV mismatch\" or the decryption error.")
      .def(
          "payloads",
          [](const crypto::OpenedSk& o) { return unwrap(codec::decode_payloads(o.first, o.inner), "DecodeError"); },
          "The decrypted inner chain decoded (codec Payloads). Raises DecodeError.")
      .def("__repr__", [](const crypto::OpenedSk& o) {
        std::string s = std::string("OpenedSk(") + state_name(o.state);
        if (o.state == crypto::OpenedSk::State::Decrypted)
          s += ", first=" + codec::label(o.first) + ", inner=<" + std::to_string(o.inner.size()) + " bytes>";
        if (o.state == crypto::OpenedSk::State::Failed) s += ", " + o.error;
        return s + ")";
      });

  py::class_<crypto::SkDecryptor>(m, "SkDecryptor",
                                  "Opens SK and SKF payloads of captured messages with a key table's keys (SPI "
                                  "pair, then the I flag), reassembling SKF fragments.")
      .def(py::init<crypto::KeyTable>(), py::arg("table"), "A decryptor over a copy of the table.")
      .def(
          "open",
          [](crypto::SkDecryptor& d, const py::buffer& wire, const py::object& message) {
            core::Bytes w = from_buffer(wire);
            codec::Message msg = message_from(message, w);
            require_sk_last(msg);
            return d.open(msg, w);
          },
          py::arg("wire"), py::arg("message") = py::none(),
          "Verifies and decrypts the last payload (SK or SKF) of the message in wire (message: the Message "
          "decoded from wire, decoded here when None). Never raises for keys or ICVs: see OpenedSk.state. "
          "Raises DecodeError when wire does not decode, ValueError when its last payload is not SK/SKF.");
}

}  // namespace ikeh::python
