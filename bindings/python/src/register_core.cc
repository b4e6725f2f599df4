// SPDX-License-Identifier: Apache-2.0
// core: bytes conversion and errors (ikeharness.errors is where the exception
// classes live; this raises them with the C++ Error's parts).
#include <Python.h>

#include "bindings/python/src/common.h"
#include "harness/codec/message.h"
#include "harness/codec/registry.h"

namespace ikeh::python {

core::Bytes from_buffer(const py::object& o) {
  if (PyUnicode_Check(o.ptr())) throw py::type_error("expected bytes, bytearray or memoryview, not str");
  py::buffer_info info = py::reinterpret_borrow<py::buffer>(o).request();
  if (info.itemsize != 1 || info.ndim != 1) throw py::type_error("expected a one-dimensional byte buffer");
  const auto* p = static_cast<const uint8_t*>(info.ptr);
  return core::Bytes(p, p + info.size * info.itemsize);
}

void raise_error(const char* kind, const core::Error& e, const std::string& message) {
  py::object cls = py::module_::import("ikeharness.errors").attr(kind);
  py::object offset = e.has_offset ? py::object(py::int_(e.offset)) : py::object(py::none());
  std::string notify_name = e.notify ? std::string(codec::name_raw<codec::NotifyType>(e.notify)) : std::string();
  py::object exc = cls(message, py::arg("where") = e.where, py::arg("field") = e.field, py::arg("offset") = offset,
                       py::arg("notify") = e.notify, py::arg("notify_name") = notify_name,
                       py::arg("reason") = e.reason);
  PyErr_SetObject(cls.ptr(), exc.ptr());
  throw py::error_already_set();
}

void raise_error(const char* kind, const core::Error& e) { raise_error(kind, e, codec::describe(e)); }

void raise_config_error(const core::Error& e) {
  core::Error parts = e;
  if (parts.field.empty())
    if (auto at = e.where.find(": /"); at != std::string::npos) {
      parts.where = e.where.substr(0, at);
      parts.field = e.where.substr(at + 2);
    }
  raise_error("ScenarioError", parts, e.to_string());
}

bool config_is_path(const py::handle& o) {
  return py::isinstance(o, py::module_::import("os").attr("PathLike"));
}

std::string config_fspath(const py::handle& o) { return py::str(py::module_::import("os").attr("fspath")(o)); }

std::string config_json_text(const py::handle& o) {
  if (py::isinstance<py::str>(o)) return o.cast<std::string>();
  return py::module_::import("json").attr("dumps")(o).cast<std::string>();
}

void register_core(py::module_& m) {
  m.def(
      "to_hex", [](const py::object& data) { return core::to_hex(from_buffer(data)); }, py::arg("data"),
      "Lower-case hex of the bytes, as the reports print them.");
}

}  // namespace ikeh::python
