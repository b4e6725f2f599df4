// SPDX-License-Identifier: Apache-2.0
// codec: IKEv2 messages, payloads and the IANA registries (harness/codec).
//
// Ownership, as Python sees it:
// - Message.decode() wraps the C++ Message as it is; nothing is converted to
//   Python objects until it is asked for.
// - m[i], iteration, m.find() and m.payloads[i] give Payload objects that
//   refer to the payload inside the message (edits reach the message) and keep
//   the message alive. When the payload list itself changes (append, insert,
//   delete, assignment), payload objects taken before keep the storage they
//   point into alive and become detached snapshots: never dangling.
// - Payload.body, the typed bodies' list members (proposals, transforms, ...)
//   and Header values are copies: change them and assign them back, or set a
//   field in place by path (p.set("proposal/0/transform/1/transform_id", 12)).
#include <Python.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <pybind11/native_enum.h>

#include "bindings/python/src/common.h"
#include "harness/codec/field_access.h"
#include "harness/codec/message.h"
#include "harness/codec/payload.h"
#include "harness/codec/registry.h"
#include "reports/json_report.h"

namespace ikeh::python {

namespace {

using namespace ikeh::codec;
using core::Bytes;

// ------------------------------------------------------------ registries

template <class E>
void bind_registry(py::module_& m, const char* name) {
  std::string doc = "IANA registry: " + std::string(RegistryOf<E>::title) +
                    " (an IntEnum; fields also accept and may hold plain ints for values without a name).";
  // The docstring must outlive registration: native_enum keeps the pointer until finalize().
  static std::string kept;
  kept = doc;
  py::native_enum<E> e(m, name, "enum.IntEnum", kept.c_str());
  for (const auto& entry : RegistryOf<E>::entries())
    e.value(entry.name.data(), static_cast<E>(entry.value));  // names are string literals
  e.finalize();
}

// A registry value as Python: the enum member when it has a name, else an int
// (a fuzz tool must be able to carry any value the wire can).
template <class E>
py::object enum_out(E v) {
  if (!name_of(v).empty()) return py::cast(v);
  return py::int_(static_cast<std::underlying_type_t<E>>(v));
}

uint64_t index_in(const py::handle& o, uint64_t max, const char* what) {
  if (PyBool_Check(o.ptr()) || !PyIndex_Check(o.ptr()))
    throw py::type_error(std::string(what) + ": expected an int or enum member, got " +
                         std::string(py::str(py::type::handle_of(o).attr("__name__"))));
  py::int_ i = py::reinterpret_steal<py::int_>(PyNumber_Index(o.ptr()));
  if (!i) throw py::error_already_set();
  if (i < py::int_(0) || i > py::int_(max))
    throw py::value_error(std::string(what) + ": " + std::string(py::str(i)) + " is out of range 0.." +
                          std::to_string(max));
  return i.cast<uint64_t>();
}

// Any int (or member of any enum) that fits the registry's width.
template <class E>
E enum_in(const py::handle& o, const char* what) {
  using U = std::underlying_type_t<E>;
  return static_cast<E>(static_cast<U>(index_in(o, std::numeric_limits<U>::max(), what)));
}

// ------------------------------------------------------------ property helpers

template <class C, class E>
void enum_prop(py::class_<C>& c, const char* name, E C::*member, const char* doc) {
  c.def_property(
      name, [member](const C& o) { return enum_out(o.*member); },
      [member, name](C& o, const py::object& v) { o.*member = enum_in<E>(v, name); }, doc);
}

template <class C>
void bytes_prop(py::class_<C>& c, const char* name, Bytes C::*member, const char* doc) {
  c.def_property(
      name, [member](const C& o) { return to_bytes(o.*member); },
      [member](C& o, const py::object& v) { o.*member = from_buffer(v); }, doc);
}

// Keyword construction of a plain struct: every keyword is an attribute.
template <class C>
void kw_init(py::class_<C>& c, const char* doc) {
  c.def(py::init([](const py::kwargs& kw) {
          C value{};
          // A temporary non-owning wrapper so the properties (with their
          // conversions and range checks) do the assigning.
          py::object self = py::cast(&value, py::return_value_policy::reference);
          for (auto item : kw) py::setattr(self, item.first, item.second);
          return value;
        }),
        doc);
  c.def("__copy__", [](const C& o) { return C(o); }, "A copy.");
  c.def("__deepcopy__", [](const C& o, const py::object&) { return C(o); }, py::arg("memo"), "A copy.");
}

// FieldValue from Python: bool, int (or enum member) or bytes-like.
FieldValue field_value(const py::object& v) {
  if (PyBool_Check(v.ptr())) return v.cast<bool>();
  if (PyIndex_Check(v.ptr())) return index_in(v, std::numeric_limits<uint64_t>::max(), "value");
  if (PyUnicode_Check(v.ptr())) throw py::type_error("a field value is an int, a bool or bytes, not str");
  return from_buffer(v);
}

// ------------------------------------------------------------ bodies

template <std::size_t I = 0>
bool body_from(const py::handle& o, PayloadBody& out) {
  using T = std::variant_alternative_t<I, PayloadBody>;
  if (py::isinstance<T>(o)) {
    out = o.cast<const T&>();
    return true;
  }
  if constexpr (I + 1 < std::variant_size_v<PayloadBody>)
    return body_from<I + 1>(o, out);
  else
    return false;
}

PayloadBody to_body(const py::handle& o) {
  PayloadBody b;
  if (!body_from(o, b))
    throw py::type_error("a payload body is one of the *Payload classes (SaPayload, NotifyPayload, ...), got " +
                         std::string(py::str(py::type::handle_of(o).attr("__name__"))));
  return b;
}

py::object body_out(const PayloadBody& b) {
  return std::visit([](const auto& x) { return py::cast(x); }, b);
}

// ------------------------------------------------------------ payloads inside messages
//
// A payload object taken from a message points into the message's payload
// vector through a Cell, which keeps the message alive. Before the vector
// changes shape, the Cell takes the old storage (retire()), so objects taken
// earlier keep valid memory; later ones get a new Cell. Cells are found by
// message address; the table holds weak pointers only.

struct Cell {
  std::shared_ptr<Message> message;
  std::vector<Payload> retired;
};

std::unordered_map<const Message*, std::weak_ptr<Cell>>& cells() {
  static auto* table = new std::unordered_map<const Message*, std::weak_ptr<Cell>>();
  return *table;
}

std::shared_ptr<Payload> payload_ref(const std::shared_ptr<Message>& m, std::size_t i) {
  auto& table = cells();
  auto& slot = table[m.get()];
  auto cell = slot.lock();
  if (!cell) {
    if (table.size() > 64) {
      // Drop the entries of messages whose payload objects are all gone.
      for (auto it = table.begin(); it != table.end();)
        it = (it->second.expired() && it->first != m.get()) ? table.erase(it) : std::next(it);
    }
    cell = std::make_shared<Cell>();
    cell->message = m;
    table[m.get()] = cell;
  }
  return std::shared_ptr<Payload>(cell, &m->payloads[i]);
}

// Called before anything changes the shape of m.payloads.
void retire(Message& m) {
  auto& table = cells();
  auto it = table.find(&m);
  if (it == table.end()) return;
  if (auto cell = it->second.lock()) {
    std::vector<Payload> copy = m.payloads;
    cell->retired = std::move(m.payloads);  // the buffer moves: old payload objects still point into it
    m.payloads = std::move(copy);
  }
  table.erase(it);
}

std::size_t norm_index(std::ptrdiff_t i, std::size_t size, bool insert = false) {
  auto n = static_cast<std::ptrdiff_t>(size);
  if (i < 0) i += n;
  if (insert) return static_cast<std::size_t>(std::clamp<std::ptrdiff_t>(i, 0, n));
  if (i < 0 || i >= n) throw py::index_error("payload index out of range");
  return static_cast<std::size_t>(i);
}

// m.payloads: a list-like view of a message's payload chain.
struct PayloadList {
  std::shared_ptr<Message> m;
};

std::shared_ptr<Message> box(Message&& m) { return std::make_shared<Message>(std::move(m)); }

std::vector<Payload> payloads_in(const py::iterable& items) {
  std::vector<Payload> out;
  for (auto item : items) out.push_back(item.cast<const Payload&>());
  return out;
}

std::string payload_label(const Payload& p) {
  Message one;
  one.payloads.push_back(p);
  std::string s = summary(one);
  auto at = s.find(": ");
  return at == std::string::npos ? s : s.substr(at + 2);
}

std::string json_text(std::span<const Payload> payloads) {
  core::Status st;
  return reports::payloads_to_json(payloads, &st).dump();
}

py::object payload_at(const std::shared_ptr<Message>& m, std::ptrdiff_t i) {
  return py::cast(payload_ref(m, norm_index(i, m->payloads.size())));
}

// Message.decode: decoded straight into the object Python will hold (no
// Result or Message move); bytes are read in place, the message copies them
// into its own raw buffer.
std::shared_ptr<Message> decode_new(const py::handle& data) {
  auto out = std::make_shared<Message>();
  core::Status st;
  if (PyBytes_Check(data.ptr())) {
    const auto* p = reinterpret_cast<const uint8_t*>(PyBytes_AS_STRING(data.ptr()));
    st = decode_message_into(core::BytesView(p, static_cast<std::size_t>(PyBytes_GET_SIZE(data.ptr()))), *out);
  } else {
    auto b = from_buffer(py::reinterpret_borrow<py::object>(data));
    st = decode_message_into(core::BytesView(b), *out);
  }
  check(st, "DecodeError");
  return out;
}

// The same as a vectorcall (METH_FASTCALL) function taking `data` by position
// or keyword: Message.decode is the hot path of every script reading
// captures, and pybind11's general dispatcher (argument tuples, overload
// resolution) costs a fifth of the decode.
PyObject* decode_fast(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  bool by_keyword = nargs == 0 && nkw == 1 && PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, 0), "data") == 0;
  if (!(nargs == 1 && nkw == 0) && !by_keyword) {
    PyErr_SetString(PyExc_TypeError, "Message.decode() takes one argument: data");
    return nullptr;
  }
  try {
    return py::cast(decode_new(args[0])).release().ptr();
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (py::builtin_exception& e) {
    e.set_error();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return nullptr;
}

}  // namespace

void register_codec(py::module_& m) {
  // ---------------------------------------------------------- registries
  bind_registry<ExchangeType>(m, "ExchangeType");
  bind_registry<PayloadType>(m, "PayloadType");
  bind_registry<NotifyType>(m, "NotifyType");
  bind_registry<TransformType>(m, "TransformType");
  bind_registry<EncrId>(m, "EncrId");
  bind_registry<PrfId>(m, "PrfId");
  bind_registry<IntegId>(m, "IntegId");
  bind_registry<DhGroup>(m, "DhGroup");
  bind_registry<EsnId>(m, "EsnId");
  bind_registry<TransformAttributeType>(m, "TransformAttributeType");
  bind_registry<ProtocolId>(m, "ProtocolId");
  bind_registry<IdType>(m, "IdType");
  bind_registry<CertEncoding>(m, "CertEncoding");
  bind_registry<AuthMethod>(m, "AuthMethod");
  bind_registry<CfgType>(m, "CfgType");
  bind_registry<CfgAttributeType>(m, "CfgAttributeType");
  bind_registry<TsType>(m, "TsType");
  bind_registry<HashAlgorithm>(m, "HashAlgorithm");

  m.attr("HEADER_SIZE") = kHeaderSize;
  m.attr("FLAG_INITIATOR") = flags::kInitiator;
  m.attr("FLAG_VERSION") = flags::kVersion;
  m.attr("FLAG_RESPONSE") = flags::kResponse;
  m.def(
      "is_understood", [](const py::object& t) { return is_understood(enum_in<PayloadType>(t, "type")); },
      py::arg("type"), "True for payload types with a structured body; others decode as UnknownPayload.");

  // ---------------------------------------------------------- SA substructures
  py::class_<TransformAttribute> attr(m, "TransformAttribute",
                                      "Transform attribute (RFC 7296 3.3.5): TV form (tv=True, value) or TLV form "
                                      "(tv=False, data). A value object: copies are independent.");
  kw_init(attr, "TransformAttribute(tv=True, type=14, value=0, length=None, data=b'').");
  attr.def_readwrite("tv", &TransformAttribute::tv, "AF bit: True = type/value, False = type/length/value.")
      .def_readwrite("type", &TransformAttribute::type, "Attribute type (15 bits; 14 = KEY_LENGTH).")
      .def_readwrite("value", &TransformAttribute::value, "TV form: the 16-bit value.")
      .def_readwrite("length", &TransformAttribute::length, "TLV form: override of Attribute Length (None: computed).");
  bytes_prop(attr, "data", &TransformAttribute::data, "TLV form: the value bytes.");

  py::class_<Transform> tr(m, "Transform",
                           "Transform substructure (RFC 7296 3.3.2). A value object: copies are independent.");
  kw_init(tr, "Transform(type=TransformType.ENCR, id=0, attributes=[], ...); key_length=N adds KEY_LENGTH.");
  enum_prop(tr, "type", &Transform::type, "Transform type.");
  tr.def_readwrite("id", &Transform::id, "Transform ID (meaning depends on the type).")
      .def_readwrite("attributes", &Transform::attributes, "Attributes (a list copy; assign to change).")
      .def_readwrite("last_substruc", &Transform::last_substruc, "Override of Last Substruc (None: computed).")
      .def_readwrite("reserved1", &Transform::reserved1, "The reserved octet after Last Substruc.")
      .def_readwrite("reserved2", &Transform::reserved2, "The reserved octet after Transform Type.")
      .def_readwrite("length", &Transform::length, "Override of Transform Length (None: computed).")
      .def_property(
          "key_length", [](const Transform& t) { return t.key_length(); },
          [](Transform& t, std::optional<uint16_t> v) {
            std::erase_if(t.attributes, [](const TransformAttribute& a) {
              return a.tv && a.attribute_type() == TransformAttributeType::KEY_LENGTH;
            });
            if (v) t.attributes.push_back(Transform(t.type, t.id, *v).attributes.front());
          },
          "The KEY_LENGTH attribute's value, or None; setting replaces it (None removes it).");

  py::class_<Proposal> prop(m, "Proposal",
                            "Proposal substructure (RFC 7296 3.3.1). A value object: copies are independent.");
  kw_init(prop, "Proposal(number=None, protocol_id=ProtocolId.IKE, spi=b'', transforms=[], ...).");
  enum_prop(prop, "protocol_id", &Proposal::protocol_id, "Protocol ID.");
  bytes_prop(prop, "spi", &Proposal::spi, "SPI.");
  prop.def_readwrite("transforms", &Proposal::transforms, "Transforms (a list copy; assign to change).")
      .def_readwrite("number", &Proposal::number, "Proposal Num override (None: position + 1).")
      .def_readwrite("last_substruc", &Proposal::last_substruc, "Override of Last Substruc (None: computed).")
      .def_readwrite("reserved", &Proposal::reserved, "The reserved octet.")
      .def_readwrite("length", &Proposal::length, "Override of Proposal Length (None: computed).")
      .def_readwrite("spi_size", &Proposal::spi_size, "Override of SPI Size (None: computed).")
      .def_readwrite("num_transforms", &Proposal::num_transforms, "Override of Num Transforms (None: computed).");

  py::class_<TrafficSelector> ts(m, "TrafficSelector",
                                 "Traffic selector (RFC 7296 3.13.1). A value object: copies are independent.");
  kw_init(ts, "TrafficSelector(ts_type=TsType.TS_IPV4_ADDR_RANGE, ip_protocol_id=0, start_port=0, end_port=65535, "
              "start_address=b'', end_address=b'', data=b'').");
  enum_prop(ts, "ts_type", &TrafficSelector::ts_type, "TS type.");
  ts.def_readwrite("ip_protocol_id", &TrafficSelector::ip_protocol_id, "IP protocol ID (0: any).")
      .def_readwrite("length", &TrafficSelector::length, "Override of Selector Length (None: computed).")
      .def_readwrite("start_port", &TrafficSelector::start_port, "Start port.")
      .def_readwrite("end_port", &TrafficSelector::end_port, "End port.");
  bytes_prop(ts, "start_address", &TrafficSelector::start_address, "Starting address (4 or 16 bytes).");
  bytes_prop(ts, "end_address", &TrafficSelector::end_address, "Ending address (4 or 16 bytes).");
  bytes_prop(ts, "data", &TrafficSelector::data, "Body of selectors of other types.");

  py::class_<CfgAttribute> cfg(m, "CfgAttribute",
                               "Configuration attribute (RFC 7296 3.15.1). A value object: copies are independent.");
  kw_init(cfg, "CfgAttribute(type=CfgAttributeType.INTERNAL_IP4_ADDRESS, value=b'', r_bit=False, length=None).");
  enum_prop(cfg, "type", &CfgAttribute::type, "Attribute type (15 bits).");
  bytes_prop(cfg, "value", &CfgAttribute::value, "Value (empty: please assign one).");
  cfg.def_readwrite("r_bit", &CfgAttribute::r_bit, "The reserved bit before the type.")
      .def_readwrite("length", &CfgAttribute::length, "Override of Length (None: computed).");

  // ---------------------------------------------------------- bodies
  py::class_<UnknownPayload> unk(m, "UnknownPayload", "Body of a payload type the codec does not model: raw bytes.");
  kw_init(unk, "UnknownPayload(data=b'').");
  bytes_prop(unk, "data", &UnknownPayload::data, "The body bytes.");

  py::class_<SaPayload> sa(m, "SaPayload", "Security Association body (RFC 7296 3.3).");
  kw_init(sa, "SaPayload(proposals=[...]).");
  sa.def_readwrite("proposals", &SaPayload::proposals, "Proposals (a list copy; assign to change).");

  py::class_<KePayload> ke(m, "KePayload", "Key Exchange body (RFC 7296 3.4).");
  kw_init(ke, "KePayload(group=DhGroup.X, data=b'...', reserved=0).");
  enum_prop(ke, "group", &KePayload::group, "Diffie-Hellman group (key exchange method).");
  ke.def_readwrite("reserved", &KePayload::reserved, "The 16 reserved bits.");
  bytes_prop(ke, "data", &KePayload::data, "Key exchange data.");

  py::class_<IdPayload> id(m, "IdPayload", "Identification body, IDi and IDr (RFC 7296 3.5).");
  kw_init(id, "IdPayload(id_type=IdType.X, data=b'...', reserved=0).");
  enum_prop(id, "id_type", &IdPayload::id_type, "ID type.");
  id.def_readwrite("reserved", &IdPayload::reserved, "The 24 reserved bits.");
  bytes_prop(id, "data", &IdPayload::data, "Identification data.");

  py::class_<CertPayload> cert(m, "CertPayload", "Certificate body (RFC 7296 3.6).");
  kw_init(cert, "CertPayload(encoding=CertEncoding.X509_SIGNATURE, data=b'...').");
  enum_prop(cert, "encoding", &CertPayload::encoding, "Certificate encoding.");
  bytes_prop(cert, "data", &CertPayload::data, "Certificate data.");

  py::class_<CertReqPayload> certreq(m, "CertReqPayload", "Certificate Request body (RFC 7296 3.7).");
  kw_init(certreq, "CertReqPayload(encoding=CertEncoding.X509_SIGNATURE, data=b'...').");
  enum_prop(certreq, "encoding", &CertReqPayload::encoding, "Certificate encoding.");
  bytes_prop(certreq, "data", &CertReqPayload::data, "Certification authority data.");

  py::class_<AuthPayload> auth(m, "AuthPayload", "Authentication body (RFC 7296 3.8).");
  kw_init(auth, "AuthPayload(method=AuthMethod.SHARED_KEY_MIC, data=b'...', reserved=0).");
  enum_prop(auth, "method", &AuthPayload::method, "Authentication method.");
  auth.def_readwrite("reserved", &AuthPayload::reserved, "The 24 reserved bits.");
  bytes_prop(auth, "data", &AuthPayload::data, "Authentication data.");

  py::class_<NoncePayload> nonce(m, "NoncePayload", "Nonce body (RFC 7296 3.9).");
  kw_init(nonce, "NoncePayload(data=b'...').");
  bytes_prop(nonce, "data", &NoncePayload::data, "Nonce data.");

  py::class_<NotifyPayload> notify(m, "NotifyPayload", "Notify body (RFC 7296 3.10).");
  kw_init(notify, "NotifyPayload(type=NotifyType.X, data=b'', protocol_id=ProtocolId.NONE, spi=b'', spi_size=None).");
  enum_prop(notify, "type", &NotifyPayload::type, "Notify message type (any 16-bit value).");
  enum_prop(notify, "protocol_id", &NotifyPayload::protocol_id, "Protocol ID.");
  notify.def_readwrite("spi_size", &NotifyPayload::spi_size, "Override of SPI Size (None: computed).");
  bytes_prop(notify, "spi", &NotifyPayload::spi, "SPI.");
  bytes_prop(notify, "data", &NotifyPayload::data, "Notification data.");

  py::class_<DeletePayload> del(m, "DeletePayload", "Delete body (RFC 7296 3.11).");
  kw_init(del, "DeletePayload(protocol_id=ProtocolId.IKE, spis=[b'...'], spi_size=None, num_spis=None).");
  enum_prop(del, "protocol_id", &DeletePayload::protocol_id, "Protocol ID.");
  del.def_readwrite("spi_size", &DeletePayload::spi_size, "Override of SPI Size (None: computed).")
      .def_readwrite("num_spis", &DeletePayload::num_spis, "Override of Num of SPIs (None: computed).")
      .def_property(
          "spis",
          [](const DeletePayload& d) {
            py::list out;
            for (const auto& s : d.spis) out.append(to_bytes(s));
            return out;
          },
          [](DeletePayload& d, const py::iterable& v) {
            std::vector<Bytes> spis;
            for (auto s : v) spis.push_back(from_buffer(py::reinterpret_borrow<py::object>(s)));
            d.spis = std::move(spis);
          },
          "SPIs (a list copy of bytes; assign to change).");

  py::class_<VendorIdPayload> vid(m, "VendorIdPayload", "Vendor ID body (RFC 7296 3.12).");
  kw_init(vid, "VendorIdPayload(data=b'...').");
  bytes_prop(vid, "data", &VendorIdPayload::data, "Vendor ID bytes.");

  py::class_<TsPayload> tsp(m, "TsPayload", "Traffic Selector body, TSi and TSr (RFC 7296 3.13).");
  kw_init(tsp, "TsPayload(selectors=[...], num_ts=None, reserved=0).");
  tsp.def_readwrite("selectors", &TsPayload::selectors, "Traffic selectors (a list copy; assign to change).")
      .def_readwrite("num_ts", &TsPayload::num_ts, "Override of Number of TSs (None: computed).")
      .def_readwrite("reserved", &TsPayload::reserved, "The 24 reserved bits.");

  py::class_<SkPayload> sk(m, "SkPayload", "Encrypted body (RFC 7296 3.14): opaque IV | ciphertext | ICV.");
  kw_init(sk, "SkPayload(inner_next=PayloadType.X, data=b'...').");
  enum_prop(sk, "inner_next", &SkPayload::inner_next, "The header's Next Payload: the first inner payload's type.");
  bytes_prop(sk, "data", &SkPayload::data, "IV | ciphertext | ICV.");

  py::class_<CpPayload> cp(m, "CpPayload", "Configuration body (RFC 7296 3.15).");
  kw_init(cp, "CpPayload(cfg_type=CfgType.CFG_REQUEST, attributes=[...], reserved=0).");
  enum_prop(cp, "cfg_type", &CpPayload::cfg_type, "CFG type.");
  cp.def_readwrite("reserved", &CpPayload::reserved, "The 24 reserved bits.")
      .def_readwrite("attributes", &CpPayload::attributes, "Attributes (a list copy; assign to change).");

  py::class_<EapPayload> eap(m, "EapPayload", "EAP body (RFC 7296 3.16).");
  kw_init(eap, "EapPayload(message=b'...').");
  bytes_prop(eap, "message", &EapPayload::message, "The EAP message.");

  py::class_<SkfPayload> skf(m, "SkfPayload", "Encrypted Fragment body (RFC 7383 2.5).");
  kw_init(skf, "SkfPayload(inner_next=..., fragment_number=1, total_fragments=1, data=b'...').");
  enum_prop(skf, "inner_next", &SkfPayload::inner_next, "First fragment: the first inner payload's type; else 0.");
  skf.def_readwrite("fragment_number", &SkfPayload::fragment_number, "Fragment Number.")
      .def_readwrite("total_fragments", &SkfPayload::total_fragments, "Total Fragments.");
  bytes_prop(skf, "data", &SkfPayload::data, "IV | ciphertext | ICV.");

  // ---------------------------------------------------------- Payload
  py::class_<Payload, std::shared_ptr<Payload>> pl(
      m, "Payload",
      "A payload: the generic header (RFC 7296 3.2) and a typed body. One taken from a message refers to it "
      "(edits reach the message) until the message's payload list changes; body is a copy.");
  pl.def(py::init([](const py::object& type, const py::object& body, bool critical, uint8_t reserved,
                     std::optional<uint8_t> next_payload, std::optional<uint16_t> length) {
           auto t = enum_in<PayloadType>(type, "type");
           auto p = std::make_shared<Payload>();
           p->type = t;
           p->body = body.is_none() ? empty_body(t) : to_body(body);
           p->critical = critical;
           if (reserved > 0x7f) throw py::value_error("reserved: a 7-bit value (0..127)");
           p->reserved = reserved;
           p->next_payload = next_payload;
           p->length = length;
           return p;
         }),
         py::arg("type"), py::arg("body") = py::none(), py::kw_only(), py::arg("critical") = false,
         py::arg("reserved") = 0, py::arg("next_payload") = py::none(), py::arg("length") = py::none(),
         "A payload of `type` (PayloadType or any int) with `body` (the empty body of the type when None).");
  pl.def_property(
        "type", [](const Payload& p) { return enum_out(p.type); },
        [](Payload& p, const py::object& v) { p.type = enum_in<PayloadType>(v, "type"); },
        "Payload type (any 8-bit value). The body's class is not changed with it.")
      .def_readwrite("critical", &Payload::critical, "The critical bit.")
      .def_property(
          "reserved", [](const Payload& p) { return p.reserved; },
          [](Payload& p, uint8_t v) {
            if (v > 0x7f) throw py::value_error("reserved: a 7-bit value (0..127)");
            p.reserved = v;
          },
          "The 7 reserved bits after the critical bit.")
      .def_readwrite("next_payload", &Payload::next_payload, "Override of Next Payload (None: computed).")
      .def_readwrite("length", &Payload::length, "Override of Payload Length (None: computed).")
      .def_property(
          "body", [](const Payload& p) { return body_out(p.body); },
          [](Payload& p, const py::object& b) { p.body = to_body(b); },
          "The typed body (a copy: change it and assign it back, or use set()).")
      .def_property_readonly(
          "raw", [](const Payload& p) { return to_bytes(p.raw()); },
          "Exact bytes (generic header included) this payload was decoded from; b'' when built in code.")
      .def_property_readonly("raw_offset", &Payload::raw_offset, "Offset of raw in the decoded message.")
      .def(
          "set", [](Payload& p, const std::string& path, const py::object& v) { check(set_field(p, path, field_value(v)), "IkeError"); },
          py::arg("path"), py::arg("value"),
          "Sets the field at `path` (generic header or body, e.g. 'payload_length', 'notify_type', "
          "'proposal/0/transform/1/transform_id'). Computed fields become overrides emitted as set. "
          "Raises IkeError for an unknown path (naming the closest), a wrong kind or a value too large.")
      .def(
          "__setitem__", [](Payload& p, const std::string& path, const py::object& v) { check(set_field(p, path, field_value(v)), "IkeError"); },
          py::arg("path"), py::arg("value"), "p[path] = value: the same as set(path, value).")
      .def("field_paths", [](const Payload& p) { return field_paths(p); },
           "Every path set() accepts for this payload as it is now, in wire order.")
      .def(
          "encode", [](const Payload& p) { return to_bytes(encode_payloads(std::span<const Payload>(&p, 1))); },
          "This payload alone on the wire (its Next Payload 0 unless overridden).")
      .def("_payloads_json", [](const Payload& p) { return json_text(std::span<const Payload>(&p, 1)); },
           "The `ikeharness decode --json` array for this payload alone (to_dict() parses it).")
      .def("copy", [](const Payload& p) { return std::make_shared<Payload>(p); },
           "An independent copy (not tied to any message).")
      .def("__copy__", [](const Payload& p) { return std::make_shared<Payload>(p); }, "An independent copy.")
      .def("__deepcopy__", [](const Payload& p, const py::object&) { return std::make_shared<Payload>(p); },
           py::arg("memo"), "An independent copy.")
      .def("__repr__", [](const Payload& p) { return "<Payload " + payload_label(p) + ">"; },
           "<Payload N(COOKIE)>.");

  m.def(
      "make_notify",
      [](const py::object& type, const py::object& data, const py::object& protocol, const py::object& spi) {
        return std::make_shared<Payload>(make_notify(enum_in<NotifyType>(type, "type"), from_buffer(data),
                                                     enum_in<ProtocolId>(protocol, "protocol"), from_buffer(spi)));
      },
      py::arg("type"), py::arg("data") = py::bytes(), py::arg("protocol") = 0, py::arg("spi") = py::bytes(),
      "A Notify payload of `type` (NotifyType or any int).");
  m.def(
      "make_nonce", [](const py::object& data) { return std::make_shared<Payload>(make_nonce(from_buffer(data))); },
      py::arg("data"), "A Nonce payload.");
  m.def(
      "make_vendor_id",
      [](const py::object& data) { return std::make_shared<Payload>(make_vendor_id(from_buffer(data))); },
      py::arg("data"), "A Vendor ID payload.");
  m.def(
      "empty_body", [](const py::object& type) { return body_out(empty_body(enum_in<PayloadType>(type, "type"))); },
      py::arg("type"), "The default body of a payload type (UnknownPayload for types without one).");
  m.def(
      "decode_body",
      [](const py::object& type, const py::object& data) {
        auto b = from_buffer(data);
        return body_out(unwrap(decode_body(enum_in<PayloadType>(type, "type"), b), "DecodeError"));
      },
      py::arg("type"), py::arg("data"), "Decodes a body alone (no generic header). Raises DecodeError.");
  m.def(
      "encode_body", [](const py::object& body) { return to_bytes(encode_body(to_body(body))); }, py::arg("body"),
      "Encodes a body alone (no generic header).");

  // ---------------------------------------------------------- Header
  py::class_<Header, std::shared_ptr<Header>> hdr(
      m, "Header", "The IKE header (RFC 7296 3.1). m.header refers to the message's header.");
  hdr.def(py::init<>(), "A header with the defaults (version 2.0, IKE_SA_INIT, flags 0, message ID 0).")
      .def_readwrite("spi_i", &Header::spi_i, "IKE SA initiator's SPI.")
      .def_readwrite("spi_r", &Header::spi_r, "IKE SA responder's SPI.")
      .def_readwrite("next_payload", &Header::next_payload, "Override of Next Payload (None: computed).")
      .def_readwrite("version", &Header::version, "Version octet: major << 4 | minor.")
      .def_property(
          "major_version", [](const Header& h) { return h.major_version(); },
          [](Header& h, const py::object& v) { check(set_header_field(h, "major_version", field_value(v)), "IkeError"); },
          "Major version (4 bits).")
      .def_property(
          "minor_version", [](const Header& h) { return h.minor_version(); },
          [](Header& h, const py::object& v) { check(set_header_field(h, "minor_version", field_value(v)), "IkeError"); },
          "Minor version (4 bits).")
      .def_property(
          "exchange_type", [](const Header& h) { return enum_out(h.exchange_type); },
          [](Header& h, const py::object& v) { h.exchange_type = enum_in<ExchangeType>(v, "exchange_type"); },
          "Exchange type (any 8-bit value).")
      .def_readwrite("flags", &Header::flags, "Flags octet (FLAG_INITIATOR 0x08, FLAG_RESPONSE 0x20).")
      .def_readwrite("message_id", &Header::message_id, "Message ID.")
      .def_readwrite("length", &Header::length, "Override of Length (None: computed).")
      .def_property(
          "is_initiator", [](const Header& h) { return h.is_initiator(); },
          [](Header& h, bool v) { h.flags = v ? (h.flags | flags::kInitiator) : (h.flags & ~flags::kInitiator); },
          "The Initiator flag.")
      .def_property(
          "is_response", [](const Header& h) { return h.is_response(); },
          [](Header& h, bool v) { h.flags = v ? (h.flags | flags::kResponse) : (h.flags & ~flags::kResponse); },
          "The Response flag.")
      .def(
          "set", [](Header& h, const std::string& path, const py::object& v) { check(set_header_field(h, path, field_value(v)), "IkeError"); },
          py::arg("path"), py::arg("value"), "Sets a header field by path ('length', 'initiator_spi', ...).")
      .def(
          "__setitem__", [](Header& h, const std::string& path, const py::object& v) { check(set_header_field(h, path, field_value(v)), "IkeError"); },
          py::arg("path"), py::arg("value"), "h[path] = value: the same as set(path, value).")
      .def_static("field_paths", &header_field_paths, "Every path set() accepts, in wire order.")
      .def("copy", [](const Header& h) { return std::make_shared<Header>(h); }, "An independent copy.")
      .def("__copy__", [](const Header& h) { return std::make_shared<Header>(h); }, "An independent copy.")
      .def("__deepcopy__", [](const Header& h, const py::object&) { return std::make_shared<Header>(h); },
           py::arg("memo"), "An independent copy.")
      .def("__repr__", [](const Header& h) {
        Message one;
        one.header = h;
        auto s = summary(one);
        auto colon = s.rfind(':');
        return "<Header " + (colon == std::string::npos ? s : s.substr(0, colon)) + ">";
      }, "<Header IKE_SA_INIT request (I) spi_i=... msgid=0>.");
  m.def(
      "decode_header",
      [](const py::object& data) {
        auto b = from_buffer(data);
        return std::make_shared<Header>(unwrap(decode_header(b), "DecodeError"));
      },
      py::arg("data"), "Decodes the 28-byte IKE header alone (its wire values). Raises DecodeError.");

  // ---------------------------------------------------------- PayloadList
  py::class_<PayloadList> list(m, "PayloadList",
                               "m.payloads: the message's payload chain as a list-like view. Items refer to the "
                               "payloads inside the message; payloads put in are copied in.");
  list.def("__len__", [](const PayloadList& l) { return l.m->payloads.size(); }, "Number of payloads.")
      .def("__getitem__", [](const PayloadList& l, std::ptrdiff_t i) { return payload_at(l.m, i); }, py::arg("index"),
           "The payload at index (refers into the message).")
      .def(
          "__getitem__",
          [](const PayloadList& l, const py::slice& s) {
            py::list out;
            py::ssize_t start = 0, stop = 0, step = 0, n = 0;
            if (!s.compute(static_cast<py::ssize_t>(l.m->payloads.size()), &start, &stop, &step, &n))
              throw py::error_already_set();
            for (py::ssize_t k = 0; k < n; ++k, start += step)
              out.append(py::cast(payload_ref(l.m, static_cast<std::size_t>(start))));
            return out;
          },
          py::arg("slice"), "A list of the payloads in the slice (each refers into the message).")
      .def(
          "__setitem__",
          [](PayloadList& l, std::ptrdiff_t i, const Payload& p) {
            auto k = norm_index(i, l.m->payloads.size());
            Payload copy = p;  // p may live in this very vector
            retire(*l.m);
            l.m->payloads[k] = std::move(copy);
          },
          py::arg("index"), py::arg("payload"), "Replaces the payload at index with a copy of `payload`.")
      .def(
          "__delitem__",
          [](PayloadList& l, std::ptrdiff_t i) {
            auto k = norm_index(i, l.m->payloads.size());
            retire(*l.m);
            l.m->payloads.erase(l.m->payloads.begin() + static_cast<std::ptrdiff_t>(k));
          },
          py::arg("index"), "Removes the payload at index.")
      .def(
          "__iter__",
          [](const PayloadList& l) {
            py::list out;
            for (std::size_t i = 0; i < l.m->payloads.size(); ++i) out.append(py::cast(payload_ref(l.m, i)));
            return py::iter(out);
          },
          "Iterates over the payloads (each refers into the message).")
      .def(
          "append",
          [](PayloadList& l, const Payload& p) {
            Payload copy = p;
            retire(*l.m);
            l.m->payloads.push_back(std::move(copy));
          },
          py::arg("payload"), "Appends a copy of `payload` (take m[-1] to edit the one inside).")
      .def(
          "insert",
          [](PayloadList& l, std::ptrdiff_t i, const Payload& p) {
            auto k = norm_index(i, l.m->payloads.size(), true);
            Payload copy = p;
            retire(*l.m);
            l.m->payloads.insert(l.m->payloads.begin() + static_cast<std::ptrdiff_t>(k), std::move(copy));
          },
          py::arg("index"), py::arg("payload"), "Inserts a copy of `payload` before index.")
      .def(
          "extend",
          [](PayloadList& l, const py::iterable& items) {
            auto more = payloads_in(items);
            retire(*l.m);
            for (auto& p : more) l.m->payloads.push_back(std::move(p));
          },
          py::arg("payloads"), "Appends copies of the payloads.")
      .def(
          "pop",
          [](PayloadList& l, std::ptrdiff_t i) {
            auto k = norm_index(i, l.m->payloads.size());
            auto out = std::make_shared<Payload>(l.m->payloads[k]);
            retire(*l.m);
            l.m->payloads.erase(l.m->payloads.begin() + static_cast<std::ptrdiff_t>(k));
            return out;
          },
          py::arg("index") = -1, "Removes the payload at index and returns it (an independent copy).")
      .def(
          "clear",
          [](PayloadList& l) {
            retire(*l.m);
            l.m->payloads.clear();
          },
          "Removes every payload.")
      .def("__repr__", [](const PayloadList& l) {
        std::string s = "[";
        for (std::size_t i = 0; i < l.m->payloads.size(); ++i) {
          if (i) s += ", ";
          s += "<Payload " + payload_label(l.m->payloads[i]) + ">";
        }
        return s + "]";
      }, "[<Payload SA>, <Payload KE>, ...].");

  // ---------------------------------------------------------- Message
  py::class_<Message, std::shared_ptr<Message>> msg(
      m, "Message",
      "An IKEv2 message: a header and a payload chain. Message.decode() wraps the decoded C++ message without "
      "converting it; payloads are made Python objects only when asked for.");
  msg.def(py::init([](const py::object& exchange_type, uint8_t flags, uint32_t message_id, uint64_t spi_i,
                      uint64_t spi_r, const py::iterable& payloads) {
            return box(make_message(enum_in<ExchangeType>(exchange_type, "exchange_type"), flags, message_id, spi_i,
                                    spi_r, payloads_in(payloads)));
          }),
          py::arg_v("exchange_type", ExchangeType::IKE_SA_INIT, "ExchangeType.IKE_SA_INIT"), py::arg("flags") = 0, py::arg("message_id") = 0,
          py::arg("spi_i") = 0, py::arg("spi_r") = 0, py::arg("payloads") = py::list(),
          "A message built in code (payloads are copied in; computed fields are computed at encode()).")
      .def_static(
          "decode",
          [](const py::object& data) { return decode_new(data); },
          py::arg("data"),
          "Decodes a whole message. Raises DecodeError (where, field, offset, notify, reason, payload) on bytes "
          "that are not a valid IKEv2 message; never crashes on any input.")
      .def("encode", [](const Message& mm) { return to_bytes(encode_message(mm)); },
           "The message on the wire: computed fields computed, overrides emitted as set.")
      .def_property(
          "header", [](const std::shared_ptr<Message>& mm) { return std::shared_ptr<Header>(mm, &mm->header); },
          [](Message& mm, const Header& h) { mm.header = h; },
          "The header (refers to the message's; assigning copies one in).")
      .def_property(
          "payloads", [](const std::shared_ptr<Message>& mm) { return PayloadList{mm}; },
          [](Message& mm, const py::iterable& items) {
            auto ps = payloads_in(items);
            retire(mm);
            mm.payloads = std::move(ps);
          },
          "The payload chain as a list-like view; assigning a list replaces the chain with copies.")
      .def_property(
          "exchange_type", [](const Message& mm) { return enum_out(mm.header.exchange_type); },
          [](Message& mm, const py::object& v) { mm.header.exchange_type = enum_in<ExchangeType>(v, "exchange_type"); },
          "header.exchange_type.")
      .def_property(
          "flags", [](const Message& mm) { return mm.header.flags; },
          [](Message& mm, uint8_t v) { mm.header.flags = v; }, "header.flags.")
      .def_property(
          "message_id", [](const Message& mm) { return mm.header.message_id; },
          [](Message& mm, uint32_t v) { mm.header.message_id = v; }, "header.message_id.")
      .def_property(
          "spi_i", [](const Message& mm) { return mm.header.spi_i; }, [](Message& mm, uint64_t v) { mm.header.spi_i = v; },
          "header.spi_i.")
      .def_property(
          "spi_r", [](const Message& mm) { return mm.header.spi_r; }, [](Message& mm, uint64_t v) { mm.header.spi_r = v; },
          "header.spi_r.")
      .def_property_readonly("raw", [](const Message& mm) { return to_bytes(mm.raw()); },
                             "Exact bytes this message was decoded from; b'' when built in code.")
      .def("__len__", [](const Message& mm) { return mm.payloads.size(); }, "Number of payloads.")
      .def("__getitem__", [](const std::shared_ptr<Message>& mm, std::ptrdiff_t i) { return payload_at(mm, i); },
           py::arg("index"), "The payload at index (refers into the message).")
      .def(
          "__iter__",
          [](const std::shared_ptr<Message>& mm) {
            py::list out;
            for (std::size_t i = 0; i < mm->payloads.size(); ++i) out.append(py::cast(payload_ref(mm, i)));
            return py::iter(out);
          },
          "Iterates over the payloads (each refers into the message).")
      .def(
          "find",
          [](const std::shared_ptr<Message>& mm, const py::object& type) -> py::object {
            const Payload* p = mm->find(enum_in<PayloadType>(type, "type"));
            if (!p) return py::none();
            return py::cast(payload_ref(mm, static_cast<std::size_t>(p - mm->payloads.data())));
          },
          py::arg("type"), "The first payload of a type (refers into the message), or None.")
      .def(
          "find_notify",
          [](const std::shared_ptr<Message>& mm, const py::object& type) -> py::object {
            const NotifyPayload* n = mm->find_notify(enum_in<NotifyType>(type, "type"));
            if (!n) return py::none();
            for (std::size_t i = 0; i < mm->payloads.size(); ++i)
              if (mm->payloads[i].as<NotifyPayload>() == n) return py::cast(payload_ref(mm, i));
            return py::none();
          },
          py::arg("type"), "The first Notify payload of a notify type (refers into the message), or None.")
      .def(
          "payload_types",
          [](const Message& mm) {
            py::list out;
            for (auto t : mm.payload_types()) out.append(enum_out(t));
            return out;
          },
          "Payload types in chain order.")
      .def("summary", [](const Message& mm) { return summary(mm); },
           "One line: 'IKE_SA_INIT request (I) spi_i=... msgid=0: SA KE NONCE N(NAT_DETECTION_SOURCE_IP)'.")
      .def(
          "set", [](Message& mm, const std::string& path, const py::object& v) { check(set_header_field(mm, path, field_value(v)), "IkeError"); },
          py::arg("path"), py::arg("value"), "Sets an IKE header field by path ('length', 'message_id', ...).")
      .def(
          "__setitem__", [](Message& mm, const std::string& path, const py::object& v) { check(set_header_field(mm, path, field_value(v)), "IkeError"); },
          py::arg("path"), py::arg("value"), "m[path] = value: sets an IKE header field by path.")
      .def_static("field_paths", &header_field_paths, "Every IKE header path set() accepts, in wire order.")
      .def("_payloads_json", [](const Message& mm) { return json_text(mm.payloads); },
           "The `ikeharness decode --json` payload array (to_dict() parses it).")
      .def("copy", [](const Message& mm) { return std::make_shared<Message>(mm); },
           "An independent copy (raw bytes are shared, being immutable).")
      .def("__copy__", [](const Message& mm) { return std::make_shared<Message>(mm); }, "An independent copy.")
      .def("__deepcopy__", [](const Message& mm, const py::object&) { return std::make_shared<Message>(mm); },
           py::arg("memo"), "An independent copy.")
      .def("__repr__", [](const Message& mm) { return "<Message " + summary(mm) + ">"; },
           "<Message IKE_SA_INIT request (I) spi_i=... msgid=0: SA KE NONCE>.");

  {
    // Same name and docstring (so the generated stub is unchanged), without the general dispatcher.
    static const std::string doc = py::str(msg.attr("decode").attr("__doc__"));
    static PyMethodDef def = {"decode", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(decode_fast)),
                               METH_FASTCALL | METH_KEYWORDS, doc.c_str()};
    py::object fn = py::reinterpret_steal<py::object>(PyCFunction_NewEx(&def, nullptr, nullptr));
    if (!fn) throw py::error_already_set();
    msg.attr("decode") = py::reinterpret_steal<py::object>(PyStaticMethod_New(fn.ptr()));
  }

  m.def(
      "make_message",
      [](const py::object& exchange, uint8_t flags, uint32_t message_id, uint64_t spi_i, uint64_t spi_r,
         const py::iterable& payloads) {
        return box(make_message(enum_in<ExchangeType>(exchange, "exchange"), flags, message_id, spi_i, spi_r,
                                payloads_in(payloads)));
      },
      py::arg("exchange"), py::arg("flags"), py::arg("message_id"), py::arg("spi_i"), py::arg("spi_r"),
      py::arg("payloads"), "A built message (the C++ make_message).");
  m.def(
      "decode_message",
      [](const py::object& data) { return box(unwrap(decode_message(core::BytesView(from_buffer(data))), "DecodeError")); },
      py::arg("data"), "The same as Message.decode(data).");
  m.def("encode_message", [](const Message& mm) { return to_bytes(encode_message(mm)); }, py::arg("message"),
        "The same as message.encode().");
  m.def(
      "encode_payloads",
      [](const py::iterable& payloads) {
        auto ps = payloads_in(payloads);
        PayloadType first = PayloadType::NONE;
        Bytes b = encode_payloads(ps, &first);
        return py::make_tuple(to_bytes(b), enum_out(first));
      },
      py::arg("payloads"),
      "A bare payload chain (as inside SK): returns (bytes, type of the first payload).");
  m.def(
      "decode_payloads",
      [](const py::object& first, const py::object& data) {
        auto b = from_buffer(data);
        auto ps = unwrap(decode_payloads(enum_in<PayloadType>(first, "first"), b), "DecodeError");
        py::list out;
        for (auto& p : ps) out.append(std::make_shared<Payload>(std::move(p)));
        return out;
      },
      py::arg("first"), py::arg("data"),
      "Decodes a bare payload chain starting with a payload of type `first`. Raises DecodeError.");
  m.def("summary", [](const Message& mm) { return summary(mm); }, py::arg("message"), "The same as message.summary().");
}

}  // namespace ikeh::python
