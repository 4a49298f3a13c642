// Helpers for the entries tests: request bodies, the entries endpoints over HTTP, paging through
// a list by its cursors, a FakeGemini that answers the analysis and the scenarios tasks
// differently (they run at the same time, so a queue could hand either one either reply), and
// the ai_usage rows the usage recorder writes in the background.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "core/ai/usage.h"
#include "core/config/config.h"
#include "tests/support/fake_gemini.h"
#include "tests/support/http_client.h"
#include "tests/support/test_databases.h"

namespace moodgate::testing {

struct EmotionInput {
  std::string name;
  double intensity = 0.5;
};

// {"situation": ..., "thoughts": ..., "emotions": [{"name": ..., "intensity": ...}, ...]}
std::string entry_body(const std::string& situation, const std::string& thoughts = "",
                       const std::vector<EmotionInput>& emotions = {{"calm", 0.5}});

// POST /api/v1/entries<query> with `body`.
HttpReply post_entry(std::uint16_t port, const std::string& token, const std::string& body,
                     const std::string& query = "", const Headers& extra = {});
// POST /api/v1/entries<query>, REQUIRing a 201; the entry.
rapidjson::Document create_entry(std::uint16_t port, const std::string& token,
                                 const std::string& body, const std::string& query = "");
// GET /api/v1/entries/{id}.
HttpReply get_entry(std::uint16_t port, const std::string& token, const std::string& id);

// The ids of every entry GET /api/v1/entries?<query> lists, page after page (pages of `limit`).
std::vector<std::string> list_ids(std::uint16_t port, const std::string& token,
                                  const std::string& query = "", int limit = 100);

// A string member of an object ("" when absent or not a string).
std::string text_of(const rapidjson::Value& object, const char* name);
// The ids of an entry's scenarios, in order.
std::vector<std::string> scenario_ids(const rapidjson::Value& entry);

// A gemini instance called `name` talking to `fake`, with short timeouts and backoffs.
config::ProviderInstanceConfig gemini_text_instance(const std::string& name,
                                                    const FakeGemini& fake);
// A test config whose analysis, scenarios and summary chains are `text` (the mock draws images).
config::Config text_ai_config(const std::string& url,
                              std::vector<config::ProviderInstanceConfig> text);
// The YAML of a gateway process (ServerProcess) on `url` whose text chains are a gemini
// instance talking to `fake` (images: the mock), with the given request timeout, the cheapest
// password hashing, rate limits and the access log off, and `sections` (whole top-level YAML
// sections, e.g. "journal:\n  ...\n") added as they are.
std::string gemini_gateway_yaml(const std::string& url, const FakeGemini& fake,
                                int request_timeout_ms, const std::string& sections = "");
// A test config whose only provider is the mock with `settings` and short backoffs.
config::Config mock_config(const std::string& url, const config::ProviderInstanceConfig& mock);

// Whether a request to the fake is an analysis (its responseSchema has sentiment_score).
bool is_analysis_request(const FakeGeminiRequest& request);
// How many analysis (or other, i.e. scenarios) requests the fake has received.
std::size_t analysis_request_count(const FakeGemini& fake);
std::size_t scenarios_request_count(const FakeGemini& fake);
// From now on the fake answers analysis requests with `analysis` and the others with
// `scenarios` (the queue, if any, still comes first).
void route_replies(FakeGemini& fake, FakeGeminiReply analysis, FakeGeminiReply scenarios);

// An answer that fits the analysis schema (sentiment "mixed", score -0.25, two highlights,
// counts 1 and 2) and one holding `count` scenarios ("Title N" / "Description N").
std::string fitting_analysis_json();
std::string fitting_scenarios_json(int count);

// The ai_usage rows (newest first) once at least `count` exist; waits up to 10 s, then returns
// what there is.
std::vector<ai::UsageRecord> wait_for_usage(const TestDatabase& db, std::size_t count);

}  // namespace moodgate::testing
