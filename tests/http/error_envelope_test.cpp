// The error envelope's HTTP side: the status a code maps to and the headers its details carry.
#include "core/http/error_envelope.h"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <optional>
#include <string>

using moodgate::Error;
using moodgate::ErrorCode;
using moodgate::http::error_response;
using moodgate::http::HttpResponse;

namespace {

std::optional<std::string> header(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("QUOTA_EXCEEDED is a 429 whose details become Retry-After and X-Quota-*",
          "[http][envelope]") {
  Error e(ErrorCode::kQuotaExceeded, "You have used today's 20 pictures");
  e.with("capability", std::string("image"))
      .with("limit", 20LL)
      .with("remaining", 0LL)
      .with("retry_after_s", 3600LL)
      .with("reset_at", 1796256000LL);
  const HttpResponse r = error_response(e, "rid-1");
  CHECK(r.status == 429);
  CHECK(header(r, "Retry-After") == "3600");
  CHECK(header(r, "X-Quota-Limit") == "20");
  CHECK(header(r, "X-Quota-Remaining") == "0");
  CHECK(header(r, "X-Quota-Reset") == "1796256000");
  CHECK_FALSE(header(r, "X-RateLimit-Limit").has_value());
  rapidjson::Document doc;
  doc.Parse(r.body.c_str());
  REQUIRE(doc.IsObject());
  CHECK(std::string(doc["error"]["code"].GetString()) == "QUOTA_EXCEEDED");
  CHECK(std::string(doc["error"]["details"]["capability"].GetString()) == "image");
  CHECK(std::string(doc["error"]["request_id"].GetString()) == "rid-1");
}

TEST_CASE("a QUOTA_EXCEEDED without details carries no quota headers", "[http][envelope]") {
  const HttpResponse r = error_response(Error(ErrorCode::kQuotaExceeded, "over"), "rid-2");
  CHECK(r.status == 429);
  CHECK_FALSE(header(r, "Retry-After").has_value());
  CHECK_FALSE(header(r, "X-Quota-Limit").has_value());
}

TEST_CASE("a spend cap's QUOTA_EXCEEDED states its limit in USD", "[http][envelope]") {
  Error e(ErrorCode::kQuotaExceeded, "spent");
  e.with("capability", std::string("summary"))
      .with("reason", std::string("spend"))
      .with("limit_usd", std::string("2.00"))
      .with("remaining_usd", std::string("0.00"))
      .with("retry_after_s", 60LL)
      .with("reset_at", 1796256000LL);
  const HttpResponse r = error_response(e, "rid-3");
  CHECK(header(r, "X-Quota-Limit") == "2.00");
  CHECK(header(r, "X-Quota-Remaining") == "0.00");
  CHECK(header(r, "Retry-After") == "60");
}
