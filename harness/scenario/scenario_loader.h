// SPDX-License-Identifier: Apache-2.0
// Reads scenarios from JSON (docs/scenarios.md; scenarios/schema/
// scenario.schema.json describes the same language for editors). Loading is
// strict: an unknown key, a misspelt name or a value of the wrong type is an
// error, never ignored, and nothing of a file with an error runs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "harness/core/result.h"
#include "harness/scenario/scenario.h"

namespace ikeh::scenario {

// Parses one scenario document. `id` is its path under scenarios/ without
// ".json"; `source` names it in errors; `base_dir` resolves relative file
// paths inside the harness and peer configurations. Errors, as
// Error::to_string():
//   "<source>: line L, column C: <parser message>"          JSON syntax
//   "<source>: /steps/3/expect/payloads/1: unknown payload "NONCEE" (did you mean "NONCE"?)"
//   "<source>: /steps/0: a step needs exactly one of start, expect, ..."
//   "<source>: /harness/ike/proposals/0: unknown algorithm ..."
core::Result<Scenario> parse_scenario(std::string_view json_text, std::string id, std::string_view source,
                                      const std::string& base_dir);

// Reads one file. `root` is the scenarios folder the id is taken relative
// to; a file outside it has its file stem as id.
core::Result<Scenario> load_scenario(const std::string& path, const std::string& root);

// Every *.json scenario under each path (a file or a folder, searched
// recursively; folders named "schema", "peers" and "configs" are not scenarios), sorted
// by id. The first file that fails to load ends the search with its error;
// two files with one id are an error too. `root` as for load_scenario().
core::Result<std::vector<Scenario>> load_scenarios(const std::vector<std::string>& paths, const std::string& root);

}  // namespace ikeh::scenario
