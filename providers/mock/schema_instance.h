// Makes an instance of a JSON Schema from what the mock read in a text: properties it knows by
// name (summary, sentiment, score, highlights, positive_count, negative_count, scenarios, and
// text/polarity/weight or title/prompt/description inside their items) get the analysis'
// values; everything else gets a plain value of the right type. The instance respects type,
// required, enum, const, minimum/maximum (also exclusive), minLength/maxLength and
// minItems/maxItems; local "$ref"s are followed and the first anyOf/oneOf/allOf member is used.
// Property names match case-insensitively, ignoring '_' and '-' (positiveCount works too).
#pragma once

#include <string>
#include <string_view>

#include "analysis.h"

namespace moodgate::mock {

struct SchemaInstance {
  std::string json;   // the instance as compact JSON text, when error is empty
  std::string error;  // why no instance could be made (the schema is not a JSON object, is
                      // nested too deep, or asks for an instance over 256 KiB)
};

SchemaInstance instance_of(std::string_view json_schema, const Analysis& analysis);

}  // namespace moodgate::mock
