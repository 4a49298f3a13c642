// The README's walkthrough as a test, over real HTTP on both backends, once with the mock
// providers (the embedded default) and once with the production plugins -- gemini for text
// and nano_banana for images -- against a fake Gemini speaking the wire format: register,
// write an entry, read its analysis and scenarios, ask for a picture, poll, download the PNG,
// read insights and a summary, delete the entry and see its picture go with it.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "core/common/digest.h"
#include "tests/support/api_client.h"
#include "tests/support/entries_client.h"
#include "tests/support/fake_gemini.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate;
using namespace moodgate::testing;
using namespace std::chrono_literals;

namespace {

const std::string kEntry =
    R"({"situation": "My exam got moved to tomorrow", "thoughts": "I am not ready",
        "emotions": [{"name": "Anxious", "intensity": 0.8}, {"name": "hopeful", "intensity": 0.3}]})";

const std::string kAnalysisAnswer =
    R"({"summary": "Your exam moved and you feel unready, yet hopeful.", "sentiment": "mixed",
        "sentiment_score": -0.2, "highlights": [{"text": "not ready", "polarity": "negative"}],
        "positive_count": 1, "negative_count": 2})";
const std::string kScenariosAnswer =
    R"({"scenarios": [{"title": "One hour", "description": "What if you studied one hour?"},
                      {"title": "Ask", "description": "What if you asked a friend?"},
                      {"title": "Rest", "description": "What if you slept early?"}]})";
const std::string kSummaryAnswer =
    R"({"summary": "A tense week with hope in it.", "highlights": ["exam nerves"]})";

// The production pair against `fake`: gemini for text, nano_banana for images.
std::vector<config::ProviderInstanceConfig> gemini_and_nano_banana(const FakeGemini& fake) {
  config::ProviderInstanceConfig text = gemini_text_instance("gemini", fake);
  config::ProviderInstanceConfig image = text;
  image.name = "nano_banana";
  image.plugin = "nano_banana";
  image.settings["model"] = "gemini-2.5-flash-image";
  return {text, image};
}

// Answers like Gemini would: the image model paints, the text model answers the schema asked.
FakeGeminiReply answer(const FakeGeminiRequest& request) {
  if (request.model.find("image") != std::string::npos) return image_reply(tiny_png());
  if (request.body.find("sentiment_score") != std::string::npos) {
    return text_reply(kAnalysisAnswer);
  }
  if (request.body.find("\"scenarios\"") != std::string::npos) return text_reply(kScenariosAnswer);
  return text_reply(kSummaryAnswer);
}

std::string str(const rapidjson::Value& v) {
  return v.IsString() ? v.GetString() : "";
}

// Polls the visualization until it is done (or 20 s pass); returns its last state.
rapidjson::Document wait_done(std::uint16_t port, const std::string& id, const Account& who) {
  const auto until = std::chrono::steady_clock::now() + 20s;
  for (;;) {
    HttpReply r = api_call(port, "GET", "/api/v1/visualizations/" + id, "", who.access_token);
    REQUIRE(r.status == 200);
    rapidjson::Document doc = r.json();
    const std::string status = str(doc["status"]);
    if (status == "succeeded" || status == "failed" || std::chrono::steady_clock::now() > until) {
      return doc;
    }
    std::this_thread::sleep_for(50ms);
  }
}

}  // namespace

TEST_CASE("The README walkthrough works end to end with the mock and with Gemini and Nano Banana",
          "[api][walkthrough]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  const std::string mode = GENERATE(as<std::string>(), "mock", "gemini");
  INFO(backend << " with " << mode);
  auto tdb = make_test_database(backend);
  FakeGemini fake("test-key");
  fake.set_fallback(answer);
  config::Config cfg = test_config(tdb.url());
  cfg.visualizations.poll_interval_ms = 50;
  if (mode == "gemini") {
    cfg.providers.instances = gemini_and_nano_banana(fake);
    cfg.providers.chains = {{config::Capability::kAnalysis, {"gemini"}},
                            {config::Capability::kScenarios, {"gemini"}},
                            {config::Capability::kSummary, {"gemini"}},
                            {config::Capability::kImage, {"nano_banana"}}};
  }
  TestServer server(cfg);
  const auto port = server.port();
  const Account ada = register_account(port, "ada@example.com");

  // The entry, saved and analysed.
  HttpReply created = api_call(port, "POST", "/api/v1/entries", kEntry, ada.access_token);
  REQUIRE(created.status == 201);
  const auto entry = created.json();
  const std::string entry_id = str(entry["id"]);
  CHECK(created.header("Location") == "/api/v1/entries/" + entry_id);
  CHECK(str(entry["emotions"][0]["name"]) == "anxious");
  const auto& analysis = entry["analysis"];
  REQUIRE(str(analysis["status"]) == "ready");
  CHECK(str(analysis["provider"]) == mode);
  CHECK(entry["scenarios"].Size() == 3);
  if (mode == "gemini") {
    CHECK(str(analysis["sentiment"]) == "mixed");
    CHECK(analysis["sentiment_score"].GetDouble() == Approx(-0.2));
    CHECK(str(analysis["highlights"][0]["text"]) == "not ready");
    CHECK(str(entry["scenarios"][0]["title"]) == "One hour");
  }
  HttpReply fetched = api_call(port, "GET", "/api/v1/entries/" + entry_id, "", ada.access_token);
  REQUIRE(fetched.status == 200);
  CHECK(fetched.body == created.body);

  // The picture: accepted at once, made by a worker, downloaded.
  HttpReply queued = api_call(port, "POST", "/api/v1/entries/" + entry_id + "/visualizations",
                              R"({"style": "watercolor"})", ada.access_token);
  REQUIRE(queued.status == 202);
  const std::string viz_id = str(queued.json()["id"]);
  CHECK(queued.header("Location") == "/api/v1/visualizations/" + viz_id);
  const auto done = wait_done(port, viz_id, ada);
  REQUIRE(str(done["status"]) == "succeeded");
  CHECK(str(done["provider"]) == (mode == "gemini" ? "nano_banana" : "mock"));
  HttpReply image = api_call(port, "GET", str(done["image_url"]), "", ada.access_token);
  REQUIRE(image.status == 200);
  CHECK(image.header("Content-Type") == "image/png");
  CHECK(image.body.substr(1, 3) == "PNG");
  CHECK(image.header("ETag") == "\"" + digest::sha256_hex(image.body) + "\"");
  if (mode == "gemini") CHECK(image.body == tiny_png());

  // Insights and a summary of the period.
  HttpReply insights = api_call(port, "GET", "/api/v1/insights", "", ada.access_token);
  REQUIRE(insights.status == 200);
  CHECK(insights.json()["entry_count"].GetInt() == 1);
  HttpReply summary = api_call(port, "POST", "/api/v1/insights/summary", "", ada.access_token);
  REQUIRE(summary.status == 200);
  CHECK(str(summary.json()["provider"]) == mode);
  if (mode == "gemini") CHECK(str(summary.json()["summary"]) == "A tense week with hope in it.");

  // Deleting the entry takes its picture along.
  CHECK(api_call(port, "DELETE", "/api/v1/entries/" + entry_id, "", ada.access_token).status ==
        204);
  CHECK(api_call(port, "GET", "/api/v1/visualizations/" + viz_id, "", ada.access_token).status ==
        404);
  CHECK(api_call(port, "GET", str(done["image_url"]), "", ada.access_token).status == 404);
  if (mode == "gemini") {
    CHECK(fake.request_count() == 4);  // analysis, scenarios, image, summary: nothing retried
  } else {
    CHECK(fake.request_count() == 0);
  }
}
