// JsonBody's field readers look fields up by their whole name: a name is neither cut at an
// embedded NUL nor read past the end of the view it is given.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "core/api/json_body.h"

using moodgate::api::JsonBody;

namespace {

JsonBody parsed(const std::string& body) {
  moodgate::http::HttpRequest request;
  request.headers["Content-Type"] = "application/json";
  request.body = body;
  auto result = JsonBody::parse(request);
  REQUIRE(result.ok());
  return *result;
}

}  // namespace

TEST_CASE("field readers match whole names, NUL bytes included", "[api][json_body]") {
  const JsonBody body = parsed(R"({"situ\u0000ation": 5, "situ": "short", "situation": "whole"})");

  CHECK(body.has(std::string("situ\0ation", 10)));
  CHECK_FALSE(body.required_string(std::string("situ\0ation", 10)).ok());  // 5 is no string
  CHECK(*body.required_string("situ") == "short");
  CHECK(*body.required_string("situation") == "whole");
  // A view into a longer text is read to its own end only.
  const std::string_view prefix = std::string_view("situation").substr(0, 4);
  CHECK(*body.required_string(prefix) == "short");
  CHECK_FALSE(body.has(std::string("situ\0x", 6)));
}
