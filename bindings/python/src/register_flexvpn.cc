// SPDX-License-Identifier: Apache-2.0
#include "bindings/python/src/common.h"

namespace ikeh::python {

void register_flexvpn(py::module_& m) { (void)m; }

}  // namespace ikeh::python
