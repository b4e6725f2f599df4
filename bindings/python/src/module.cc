// SPDX-License-Identifier: Apache-2.0
// ikeharness._core: the C++ engine's API under the same names. Registration
// only; the package's conveniences are Python (ikeharness/*.py).
#include "bindings/python/src/common.h"

PYBIND11_MODULE(_core, m) {
  m.doc() = "ikeharness C++ core: codec, crypto, engine, scenarios, captures and reports";
  m.attr("__version__") = IKEH_VERSION;
  ikeh::python::register_core(m);
  ikeh::python::register_codec(m);
  ikeh::python::register_crypto(m);
  ikeh::python::register_net(m);
  ikeh::python::register_engine(m);
  ikeh::python::register_flexvpn(m);
  ikeh::python::register_reports(m);
  ikeh::python::register_scenario(m);
}
