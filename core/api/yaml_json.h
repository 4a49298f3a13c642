// yaml_to_json: a YAML document as JSON text, for what we write in YAML and serve as JSON (the
// OpenAPI document at GET /openapi.json).
//
// Scalars get JSON types by how they are written (YAML 1.2's core schema, narrowed so that
// nothing meant as text turns into something else):
//   - quoted ('x', "x") and block (|, >) scalars, and any tagged !!str, are strings;
//   - a plain scalar is null for null, Null, NULL, ~ or nothing; a boolean for true/True/TRUE and
//     false/False/FALSE; a number only when it is written as a JSON number (20, -1, 1.5, 2e-3);
//     and a string otherwise. So YAML 1.1 readings never apply: 0755 (octal), 1:1 (base 60),
//     yes/no/on/off, 0x1F and .inf all stay the text they are;
//   - !!null, !!bool, !!int and !!float must hold what their tag says; any other tag is an error.
// Mapping keys are always strings. A key that is null or a collection, the same key twice in one
// mapping, invalid UTF-8, a number too large for a double, and nesting deeper than 512 levels (an
// alias that contains itself) are errors. Aliases are expanded; only the first document is read.
// Errors are kInvalidInput with a message naming the line and column (1-based).
// Thread-safe: a pure function.
#pragma once

#include <string>
#include <string_view>

#include "core/common/result.h"

namespace moodgate::api {

// The JSON text of the first document in `yaml` ("null" for an empty one).
Result<std::string> yaml_to_json(std::string_view yaml);

}  // namespace moodgate::api
