// Provider answers nested far too deep, with the gemini plugin against FakeGemini over HTTP, on
// both backends: a structured answer (the candidate's text) or a whole reply body nested 150,000
// levels deep is a bad_response, so the entry is saved with a failed analysis (UPSTREAM_ERROR)
// and no scenarios, the usage rows say bad_response, and the gateway keeps answering. Such a
// reply used to overflow the stack of the thread that read it.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/support/api_client.h"
#include "tests/support/deep_json.h"
#include "tests/support/entries_client.h"
#include "tests/support/fake_gemini.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate;
using namespace moodgate::testing;

namespace {

// 200 with `body` as the whole reply.
FakeGeminiReply raw_reply(std::string body) {
  FakeGeminiReply reply;
  reply.headers = {{"Content-Type", "application/json; charset=UTF-8"}};
  reply.body = std::move(body);
  return reply;
}

struct DeepCase {
  const char* what;
  FakeGeminiReply reply;
  std::string message;  // the failed analysis' error message
};

}  // namespace

TEST_CASE("a provider answer nested 150000 levels deep fails the analysis and keeps the entry",
          "[api][entries][ai][json]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  FakeGemini fake;
  auto gemini = gemini_text_instance("gemini", fake);
  gemini.breaker_failures = 0;
  TestServer server(text_ai_config(db.url(), {gemini}));
  const auto port = server.port();
  const Account me = register_account(port, "deep-answers@example.com");

  const std::vector<DeepCase> cases = {
      {"the structured answer", text_reply(nested_objects(150'000)),
       "The AI provider failed: gemini: the answer nests deeper than 64 levels (finish reason "
       "STOP)"},
      {"the structured answer, unclosed", text_reply(nested_arrays(150'000, false)),
       "The AI provider failed: gemini: the answer nests deeper than 64 levels (finish reason "
       "STOP)"},
      {"the whole reply", raw_reply(nested_objects(150'000)),
       "The AI provider failed: gemini: 200 with a body that nests deeper than 64 levels"},
      {"the whole reply, unclosed", raw_reply(nested_arrays(150'000, false)),
       "The AI provider failed: gemini: 200 with a body that nests deeper than 64 levels"},
  };
  std::size_t calls = 0;
  for (const DeepCase& c : cases) {
    INFO(c.what);
    route_replies(fake, c.reply, c.reply);
    const HttpReply created =
        post_entry(port, me.access_token, entry_body(std::string("Deep: ") + c.what));
    INFO(created.body.substr(0, 500));
    REQUIRE(created.status == 201);
    const auto entry = created.json();
    const auto& analysis = entry["analysis"];
    CHECK(text_of(analysis, "status") == "failed");
    CHECK(text_of(analysis["error"], "code") == "UPSTREAM_ERROR");
    CHECK(text_of(analysis["error"], "message") == c.message);
    CHECK_FALSE(analysis.HasMember("summary"));
    CHECK(entry["scenarios"].Size() == 0);
    CHECK(get_entry(port, me.access_token, text_of(entry, "id")).body == created.body);
    CHECK(http_request(port, "GET", "/health").status == 200);

    calls += 2;  // the analysis and the scenarios, each one usage row
    const auto rows = wait_for_usage(db, calls);
    REQUIRE(rows.size() == calls);
    CHECK(rows[0].outcome == "bad_response");
    CHECK(rows[1].outcome == "bad_response");
  }
  CHECK(list_ids(port, me.access_token).size() == cases.size());

  // The same instance still serves a sane answer.
  route_replies(fake, text_reply(fitting_analysis_json()), text_reply(fitting_scenarios_json(3)));
  const auto fine = create_entry(port, me.access_token, entry_body("Shallow again"));
  CHECK(text_of(fine["analysis"], "status") == "ready");
  CHECK(fine["scenarios"].Size() == 3);
}
