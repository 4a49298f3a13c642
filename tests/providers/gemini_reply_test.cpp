// The gemini plugin's reading of replies: answers (thought parts skipped, usage, model), safety
// blocks, unreadable bodies, and every row of Gemini's error table mapped to a failure kind.
#include <catch2/catch.hpp>

#include <string>

#include "tests/providers/gemini_test_support.h"
#include "tests/support/deep_json.h"
#include "tests/support/provider_plugin.h"

using namespace moodgate;
using namespace moodgate::testing::gemini_test_support;
using moodgate::testing::load_built_provider;
using Kind = sdk::FailureKind;
using std::chrono::milliseconds;

namespace {

// What the plugin makes of `reply` to a simple text task (or to `task`).
sdk::Next finish_with(const sdk::HttpReply& reply, const sdk::TextTask& task = simple_task()) {
  auto provider = load_built_provider("gemini", kTextSettings);
  const sdk::Task the_task = task;
  const sdk::HttpRequest sent = request_of(provider->start(the_task));
  return provider->finish(the_task, sent, reply);
}

}  // namespace

TEST_CASE("an answer joins the text of its non-thought parts and counts thinking as output",
          "[providers]") {
  const sdk::Result result = result_of(finish_with(reply(
      200, candidate_body(R"([{"text": "Let me think...", "thought": true}, {"text": "A calm "},
                              {"text": "day.", "thoughtSignature": "abc"}])",
                          "STOP", "gemini-2.5-flash-001"))));
  REQUIRE(std::holds_alternative<sdk::TextOutput>(result.output));
  CHECK(std::get<sdk::TextOutput>(result.output).text == "A calm day.");
  CHECK(result.usage.input_tokens == 102);
  CHECK(result.usage.output_tokens == 160 + 278);
  CHECK(result.model == "gemini-2.5-flash-001");
  CHECK(result.finish_reason == "STOP");
}

TEST_CASE("garbled token counts are bounded, never negative and never overflow", "[providers]") {
  const sdk::Result result = result_of(finish_with(
      reply(200, R"({"candidates": [{"content": {"parts": [{"text": "ok"}]}}], "usageMetadata":)"
                 R"( {"promptTokenCount": -5, "candidatesTokenCount": 9223372036854775807,)"
                 R"( "thoughtsTokenCount": 9223372036854775807}})")));
  CHECK(result.usage.input_tokens == 0);
  CHECK(result.usage.output_tokens == 2 * (1LL << 40));
}

TEST_CASE("the configured model stands in when the reply names none", "[providers]") {
  const sdk::Result result =
      result_of(finish_with(reply(200, candidate_body(R"([{"text": "ok"}])", "STOP", ""))));
  CHECK(result.model == "gemini-2.5-flash");
}

TEST_CASE("a prompt blocked by promptFeedback is content_blocked", "[providers]") {
  const sdk::Failure failure = failure_of(
      finish_with(reply(200, R"({"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": []},
               "usageMetadata": {"promptTokenCount": 9}})")));
  CHECK(failure.kind == Kind::kContentBlocked);
  CHECK(failure.message == "gemini: the prompt was blocked (SAFETY)");
  CHECK_FALSE(failure.retryable());
}

TEST_CASE("a safety or policy finish reason is content_blocked", "[providers]") {
  const std::string reason =
      GENERATE("SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION");
  const sdk::Failure failure = failure_of(
      finish_with(reply(200, R"({"candidates": [{"finishReason": ")" + reason + R"("}]})")));
  CHECK(failure.kind == Kind::kContentBlocked);
  CHECK(failure.message.find(reason) != std::string::npos);
}

TEST_CASE("an answer without text is a bad response", "[providers]") {
  const std::string body = GENERATE(
      candidate_body(R"([{"text": "only thinking", "thought": true}])", "MAX_TOKENS"),
      candidate_body("[]", "STOP"), std::string(R"({"candidates": [{"finishReason": "OTHER"}]})"),
      std::string(R"({"candidates": []})"), std::string(R"({"modelVersion": "x"})"));
  INFO(body);
  const sdk::Failure failure = failure_of(finish_with(reply(200, body)));
  CHECK(failure.kind == Kind::kBadResponse);
  CHECK(failure.retryable());
}

TEST_CASE("an answer cut off at MAX_TOKENS is a result unless asked-for JSON is broken",
          "[providers]") {
  const sdk::Result cut = result_of(
      finish_with(reply(200, candidate_body(R"([{"text": "Once upon"}])", "MAX_TOKENS"))));
  CHECK(std::get<sdk::TextOutput>(cut.output).text == "Once upon");
  CHECK(cut.finish_reason == "MAX_TOKENS");

  sdk::TextTask json_task = simple_task();
  json_task.json_schema = R"({"type": "object", "properties": {"summary": {"type": "string"}}})";
  const sdk::Failure broken = failure_of(finish_with(
      reply(200, candidate_body(R"([{"text": "{\"summary\": \"A calm"}])", "MAX_TOKENS")),
      json_task));
  CHECK(broken.kind == Kind::kBadResponse);
  CHECK(broken.message == "gemini: the answer is not valid JSON (finish reason MAX_TOKENS)");

  const sdk::Result whole = result_of(finish_with(
      reply(200, candidate_body(R"([{"text": "{\"summary\": \"calm\"}"}])", "MAX_TOKENS")),
      json_task));
  CHECK(std::get<sdk::TextOutput>(whole.output).text == R"({"summary": "calm"})");
}

TEST_CASE("a malformed, truncated or empty 200 body is a bad response", "[providers]") {
  const std::string whole = candidate_body(R"([{"text": "fine"}])", "STOP");
  const std::string body =
      GENERATE_COPY(std::string(""), std::string("<html>oops</html>"),
                    whole.substr(0, whole.size() / 2), std::string("[1,2]"), whole + "garbage");
  INFO(body);
  const sdk::Failure failure = failure_of(finish_with(reply(200, body)));
  CHECK(failure.kind == Kind::kBadResponse);
  CHECK(failure.message.find("candidates") == std::string::npos);  // never the body
}

TEST_CASE("a 200 body nested deeper than 64 levels is a bad response, never a crash",
          "[providers]") {
  using moodgate::testing::nested_arrays;
  using moodgate::testing::nested_objects;
  for (const std::string& body :
       {nested_arrays(150'000), nested_arrays(150'000, false), nested_objects(150'000),
        R"({"candidates": )" + nested_arrays(64) + "}"}) {
    INFO(body.substr(0, 40) << " ... " << body.size() << " bytes");
    const sdk::Failure failure = failure_of(finish_with(reply(200, body)));
    CHECK(failure.kind == Kind::kBadResponse);
    CHECK(failure.message == "gemini: 200 with a body that nests deeper than 64 levels");
  }
}

TEST_CASE("an error body nested deeper than 64 levels still maps by its HTTP status",
          "[providers]") {
  const std::string deep = moodgate::testing::nested_objects(150'000);
  CHECK(failure_of(finish_with(reply(503, deep))).kind == Kind::kUnavailable);
  CHECK(failure_of(finish_with(reply(400, deep))).kind == Kind::kInvalidRequest);
}

TEST_CASE("asked-for JSON nested deeper than 64 levels is a bad response that says so",
          "[providers]") {
  sdk::TextTask json_task = simple_task();
  json_task.json_schema = R"({"type": "object", "properties": {"summary": {"type": "string"}}})";
  for (const std::string& text :
       {moodgate::testing::nested_objects(150'000), moodgate::testing::nested_arrays(65)}) {
    // The text travels as a JSON string inside the reply: quotes escaped.
    std::string escaped;
    for (char c : text) escaped += c == '"' ? std::string("\\\"") : std::string(1, c);
    const sdk::Failure failure = failure_of(finish_with(
        reply(200, candidate_body(R"([{"text": ")" + escaped + R"("}])", "STOP")), json_task));
    CHECK(failure.kind == Kind::kBadResponse);
    CHECK(failure.message == "gemini: the answer nests deeper than 64 levels (finish reason STOP)");
  }
  // Without a schema the same text is only text.
  const std::string text = moodgate::testing::nested_arrays(65);
  CHECK(std::get<sdk::TextOutput>(
            result_of(
                finish_with(reply(200, candidate_body(R"([{"text": ")" + text + R"("}])", "STOP"))))
                .output)
            .text == text);
}

TEST_CASE("every row of Gemini's error table maps to its failure kind", "[providers]") {
  struct Row {
    int status;
    std::string body;
    Kind kind;
  };
  const std::string key_invalid_info =
      R"({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
          "domain": "googleapis.com"})";
  const Row row = GENERATE_COPY(
      Row{400, error_body(400, "INVALID_ARGUMENT", "Bad key.", key_invalid_info), Kind::kAuth},
      Row{400,
          error_body(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key."),
          Kind::kAuth},
      Row{400, error_body(400, "INVALID_ARGUMENT", "Invalid JSON payload received."),
          Kind::kInvalidRequest},
      Row{400, error_body(400, "FAILED_PRECONDITION", "User location is not supported."),
          Kind::kInvalidRequest},
      Row{401, error_body(401, "UNAUTHENTICATED", "Request had invalid credentials."), Kind::kAuth},
      Row{403, error_body(403, "PERMISSION_DENIED", "Your API key was reported as leaked."),
          Kind::kAuth},
      Row{404, error_body(404, "NOT_FOUND", "models/x is not found for API version v1beta."),
          Kind::kInvalidRequest},
      Row{408, "", Kind::kTimeout},
      Row{409, error_body(409, "ABORTED", "Conflict."), Kind::kInvalidRequest},
      Row{429, error_body(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota."),
          Kind::kRateLimited},
      Row{500, error_body(500, "INTERNAL", "An internal error has occurred."), Kind::kUnavailable},
      Row{502, "<html>Bad Gateway</html>", Kind::kUnavailable},
      Row{503, error_body(503, "UNAVAILABLE", "The model is overloaded."), Kind::kUnavailable},
      Row{504, error_body(504, "DEADLINE_EXCEEDED", "Deadline expired."), Kind::kTimeout},
      Row{507, "", Kind::kUnavailable}, Row{302, "", Kind::kBadResponse});
  INFO(row.status << " " << row.body);
  const sdk::Failure failure = failure_of(finish_with(reply(row.status, row.body)));
  CHECK(failure.kind == row.kind);
  CHECK(failure.message.starts_with("gemini: " + std::to_string(row.status)));
}

TEST_CASE("a 429 waits for RetryInfo's delay in whole milliseconds, rounded up", "[providers]") {
  const auto [delay, expected] = GENERATE(table<std::string, long long>(
      {{"26s", 26000}, {"1.203608125s", 1204}, {"0.5s", 500}, {"0s", 0}, {"2.0000001s", 2001}}));
  INFO(delay);
  const std::string quota =
      R"({"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": []})";
  const sdk::Failure failure = failure_of(finish_with(reply(
      429,
      error_body(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", quota + "," + retry_info(delay)),
      {{"retry-after", "99"}})));
  CHECK(failure.kind == Kind::kRateLimited);
  REQUIRE(failure.retry_after);
  CHECK(*failure.retry_after == milliseconds(expected));
}

TEST_CASE("without RetryInfo a 429 falls back to the Retry-After header", "[providers]") {
  const std::string body = error_body(429, "RESOURCE_EXHAUSTED", "Quota exceeded.");
  const sdk::Failure with_header =
      failure_of(finish_with(reply(429, body, {{"retry-after", "7"}})));
  REQUIRE(with_header.retry_after);
  CHECK(*with_header.retry_after == milliseconds(7000));

  const sdk::Failure bad_delay = failure_of(
      finish_with(reply(429, error_body(429, "RESOURCE_EXHAUSTED", "Quota.", retry_info("soon")),
                        {{"retry-after", "3"}})));
  REQUIRE(bad_delay.retry_after);
  CHECK(*bad_delay.retry_after == milliseconds(3000));

  CHECK_FALSE(failure_of(finish_with(reply(429, body))).retry_after);
  CHECK_FALSE(
      failure_of(finish_with(reply(429, body, {{"retry-after", "Wed, 21 Oct 2026 07:28:00 GMT"}})))
          .retry_after);
}

TEST_CASE("failure messages are one short line with Google's status, never the key or the body",
          "[providers]") {
  CHECK(failure_of(finish_with(reply(503, error_body(503, "UNAVAILABLE",
                                                     "The model is overloaded. Please try "
                                                     "again later."))))
            .message ==
        "gemini: 503 UNAVAILABLE: The model is overloaded. Please try again later.");
  CHECK(failure_of(finish_with(reply(502, "<html>Bad Gateway</html>"))).message ==
        "gemini: 502 with no error details");

  const sdk::Failure echoed = failure_of(finish_with(
      reply(400, error_body(400, "INVALID_ARGUMENT", "API key test-key not valid.\\nRetry."))));
  CHECK(echoed.message == "gemini: 400 INVALID_ARGUMENT: API key [redacted] not valid. Retry.");

  const sdk::Failure long_one = failure_of(
      finish_with(reply(500, error_body(500, "INTERNAL", std::string(2000, 'x') + "test-key"))));
  CHECK(long_one.message.size() <= 300);
  CHECK(long_one.message.ends_with("..."));
}

TEST_CASE("an error object inside a 200 body is a failure of its code", "[providers]") {
  const sdk::Failure failure = failure_of(
      finish_with(reply(200, error_body(503, "UNAVAILABLE", "The model is overloaded."))));
  CHECK(failure.kind == Kind::kUnavailable);
  CHECK(failure.message == "gemini: 503 UNAVAILABLE: The model is overloaded.");
}
