// SPDX-License-Identifier: Apache-2.0
// What every register_<area>.cc shares: bytes in both directions and C++
// errors raised as the package's Python exceptions (ikeharness.errors).
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>

#include "harness/core/bytes.h"
#include "harness/core/result.h"

namespace ikeh::python {

namespace py = pybind11;

// Python bytes from C++ bytes (a copy).
inline py::bytes to_bytes(core::BytesView v) {
  return py::bytes(reinterpret_cast<const char*>(v.data()), v.size());
}

// C++ bytes from any object with the buffer protocol (bytes, bytearray,
// memoryview). Raises TypeError otherwise.
core::Bytes from_buffer(const py::object& o);

// Raises ikeharness.errors.<kind>(message, where=, field=, offset=, notify=,
// reason=). `kind` is one of DecodeError, CryptoError, EngineError,
// ScenarioError, CaptureError, IkeError. Never returns.
[[noreturn]] void raise_error(const char* kind, const core::Error& e);
// The same with a message of the caller's own (the Error supplies the parts).
[[noreturn]] void raise_error(const char* kind, const core::Error& e, const std::string& message);

// Raises ScenarioError for a scenario, profile or configuration loader's
// error. The loaders locate it as where = "<file>: <JSON pointer>" (or the
// file alone for JSON syntax and unreadable files); the exception gets them
// apart as .file and .pointer, with the loader's one-line text as message.
[[noreturn]] void raise_config_error(const core::Error& e);

// Configuration arguments: whether an object is an
// os.PathLike, its os.fspath(), and JSON text from a dict (json.dumps) or a
// str (as is).
bool config_is_path(const py::handle& o);
std::string config_fspath(const py::handle& o);
std::string config_json_text(const py::handle& o);

// Unwraps a Result or raises its Error as `kind`.
template <class T>
T unwrap(core::Result<T>&& r, const char* kind) {
  if (!r) raise_error(kind, r.error());
  return std::move(r).value();
}
inline void check(const core::Status& s, const char* kind) {
  if (!s) raise_error(kind, s.error());
}

// One register function per harness area (module.cc calls them in this order:
// later areas use the types of earlier ones in their signatures).
void register_core(py::module_& m);
void register_codec(py::module_& m);
void register_crypto(py::module_& m);
void register_net(py::module_& m);
void register_engine(py::module_& m);
void register_flexvpn(py::module_& m);
void register_reports(py::module_& m);
void register_scenario(py::module_& m);

}  // namespace ikeh::python
