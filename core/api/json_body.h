// JsonBody: a request body read as a JSON object, with API.md's error rules.
//
// parse() answers 415 UNSUPPORTED_MEDIA_TYPE when the Content-Type is not JSON, and 400
// INVALID_INPUT when the body is not valid UTF-8 JSON, nests deeper than sdk::kMaxJsonDepth (64)
// levels, or is not an object. The field readers answer
// 400 naming the field when it is missing or has the wrong type. Unknown fields are ignored.
// Immutable after parse(); cheap to copy (shares the document).
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.h"
#include "core/http/http_types.h"

namespace moodgate::api {

class JsonBody {
 public:
  static Result<JsonBody> parse(const http::HttpRequest& request);
  // Like parse(), but an empty body (of any Content-Type) reads as {}: for endpoints whose
  // fields are all optional.
  static Result<JsonBody> parse_optional(const http::HttpRequest& request);

  // The parsed object, for readers of nested fields (arrays of objects).
  const rapidjson::Value& root() const;

  // Whether the object has `field` at all (null included).
  bool has(std::string_view field) const;
  // A string field that must be present and not null.
  Result<std::string> required_string(std::string_view field) const;
  // A string field that may be absent or null (both give nullopt).
  Result<std::optional<std::string>> optional_string(std::string_view field) const;
  // An integer field that may be absent or null; 400 unless it is an integer in [min, max].
  Result<std::optional<long long>> optional_integer(std::string_view field, long long min,
                                                    long long max) const;

 private:
  struct Doc;
  std::shared_ptr<const Doc> doc_;
};

// 400 INVALID_INPUT: "`field` must be `expected`, not <what it is>", naming `field`.
Error wrong_type(std::string_view field, const rapidjson::Value& value, const char* expected);

}  // namespace moodgate::api
