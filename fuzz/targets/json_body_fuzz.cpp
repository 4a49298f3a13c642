// Fuzz target: the request-body parser as every handler calls it, JsonBody::parse() and
// parse_optional() on any bytes sent with Content-Type: application/json, then its field readers
// on every member the body has. Whatever parser sits behind the public functions, a body must
// give a JsonBody whose root is an object or an error with a message, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/api/json_body.h"
#include "fuzz/support/fuzz_check.h"

namespace {

using moodgate::ErrorCode;
using moodgate::api::JsonBody;

void read_every_field(const JsonBody& body) {
  const rapidjson::Value& root = body.root();
  FUZZ_CHECK(root.IsObject());
  for (const auto& member : root.GetObject()) {
    const std::string name(member.name.GetString(), member.name.GetStringLength());
    FUZZ_CHECK(body.has(name));
    // With a repeated name, the readers see its first value.
    const rapidjson::Value& value = root.FindMember(member.name)->value;
    const auto required = body.required_string(name);
    FUZZ_CHECK(required.ok() == value.IsString());
    if (required.ok()) FUZZ_CHECK(required->size() == value.GetStringLength());
    const auto optional = body.optional_string(name);
    FUZZ_CHECK(optional.ok() == (value.IsString() || value.IsNull()));
    const auto integer = body.optional_integer(name, -1000, 1000);
    if (!integer.ok()) FUZZ_CHECK(!integer.error().message.empty());
  }
  // Fields the API reads, whether or not the body has them.
  for (const char* field : {"situation", "thoughts", "emotions", "limit", "email", "count"}) {
    static_cast<void>(body.optional_string(field));
    static_cast<void>(body.optional_integer(field, 1, 100));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  moodgate::http::HttpRequest request;
  request.headers["Content-Type"] = "application/json; charset=utf-8";
  request.body.assign(reinterpret_cast<const char*>(data), size);

  const auto parsed = JsonBody::parse(request);
  if (parsed.ok()) {
    read_every_field(*parsed);
  } else {
    FUZZ_CHECK(parsed.error().code == ErrorCode::kInvalidInput);
    FUZZ_CHECK(!parsed.error().message.empty());
  }

  const auto optional = JsonBody::parse_optional(request);
  FUZZ_CHECK(optional.ok() == (parsed.ok() || size == 0));
  if (optional.ok()) FUZZ_CHECK(optional->root().IsObject());
  return 0;
}
