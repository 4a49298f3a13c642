// Canned Gemini replies and small accessors (returning copies, so a temporary Start or Next
// never leaves a dangling reference) shared by the gemini and nano_banana plugin tests.
#pragma once

#include <rapidjson/document.h>
#include <catch2/catch.hpp>

#include <string>
#include <variant>

#include "moodgate/provider.h"

namespace moodgate::testing::gemini_test_support {

// The settings every gemini text test starts from (the fake base URL is never dialled).
inline const sdk::Settings kTextSettings = {
    {"model", "gemini-2.5-flash"}, {"api_key", "test-key"}, {"base_url", "http://127.0.0.1:9"}};

// One user message, nothing else.
inline sdk::TextTask simple_task() {
  sdk::TextTask task;
  task.messages = {{"user", "How was my day?"}};
  return task;
}

inline sdk::HttpReply reply(int status, std::string body, sdk::HttpHeaders headers = {}) {
  return sdk::HttpReply{status, std::move(headers), std::move(body)};
}

// {"error": {...}} as Gemini sends it; `details` is the JSON text of the details array's items.
inline std::string error_body(int code, const std::string& status, const std::string& message,
                              const std::string& details = "") {
  return R"({"error":{"code":)" + std::to_string(code) + R"(,"message":")" + message +
         R"(","status":")" + status + R"(","details":[)" + details + "]}}";
}

inline std::string retry_info(const std::string& delay) {
  return R"({"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":")" + delay + "\"}";
}

// A 200 body with one candidate holding `parts` (JSON array text) and `finish_reason`.
inline std::string candidate_body(const std::string& parts, const std::string& finish_reason,
                                  const std::string& model_version = "gemini-2.5-flash") {
  std::string body = R"({"candidates":[{"content":{"parts":)" + parts +
                     R"(,"role":"model"},"finishReason":")" + finish_reason + R"(","index":0}],)" +
                     R"("usageMetadata":{"promptTokenCount":102,"candidatesTokenCount":160,)" +
                     R"("thoughtsTokenCount":278,"totalTokenCount":540})";
  if (!model_version.empty()) body += R"(,"modelVersion":")" + model_version + "\"";
  return body + "}";
}

inline sdk::HttpRequest request_of(const sdk::Start& start) {
  if (const auto* failure = std::get_if<sdk::Failure>(&start)) FAIL(failure->message);
  REQUIRE(std::holds_alternative<sdk::HttpRequest>(start));
  return std::get<sdk::HttpRequest>(start);
}

inline sdk::Failure failure_of(const sdk::Start& start) {
  REQUIRE(std::holds_alternative<sdk::Failure>(start));
  return std::get<sdk::Failure>(start);
}

inline sdk::Failure failure_of(const sdk::Next& next) {
  REQUIRE(std::holds_alternative<sdk::Failure>(next));
  return std::get<sdk::Failure>(next);
}

inline sdk::Result result_of(const sdk::Next& next) {
  if (const auto* failure = std::get_if<sdk::Failure>(&next)) FAIL(failure->message);
  REQUIRE(std::holds_alternative<sdk::Result>(next));
  return std::get<sdk::Result>(next);
}

inline rapidjson::Document parse_body(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  return doc;
}

inline std::string header_value(const sdk::HttpRequest& request, const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return "";
}

}  // namespace moodgate::testing::gemini_test_support
