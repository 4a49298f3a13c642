// What the journal asks text providers and how their answers are checked: parse_analysis,
// parse_scenarios and parse_summary take answers that fit their schema and refuse every kind
// of misfit with kUpstreamError (never data); task_digest names a task exactly, so different
// emotions or intensities never share a cache entry.
#include "core/services/journal_prompts.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/support/deep_json.h"

using moodgate::ErrorCode;
using moodgate::services::analysis_task;
using moodgate::services::EntryText;
using moodgate::services::parse_analysis;
using moodgate::services::parse_scenarios;
using moodgate::services::parse_summary;
using moodgate::services::scenarios_task;
using moodgate::services::summary_task;
using moodgate::services::task_digest;

namespace {

// A fitting analysis answer with `field` replaced by `value` (the raw JSON text), or removed
// when `value` is empty.
std::string analysis_with(const std::string& field, const std::string& value) {
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"summary", R"("  You felt torn.  ")"},
      {"sentiment", R"("mixed")"},
      {"sentiment_score", "-0.25"},
      {"highlights", R"([{"text": "not ready", "polarity": "negative"}])"},
      {"positive_count", "1"},
      {"negative_count", "2"},
  };
  std::string out = "{";
  for (const auto& [name, json] : fields) {
    const std::string& v = name == field ? value : json;
    if (v.empty()) continue;
    out += (out.size() > 1 ? ", \"" : "\"") + name + "\": " + v;
  }
  return out + "}";
}

EntryText exam(double intensity = 0.8, const std::string& emotion = "anxious") {
  return {"My exam got moved", "I'm not ready", {{emotion, intensity}, {"hopeful", 0.3}}};
}

}  // namespace

TEST_CASE("parse_analysis takes an answer that fits the schema", "[services][prompts]") {
  const auto a = parse_analysis(analysis_with("", ""));
  REQUIRE(a.ok());
  CHECK(a->status == moodgate::store::AnalysisStatus::kReady);
  CHECK(a->summary == "You felt torn.");  // trimmed
  CHECK(a->sentiment == "mixed");
  CHECK(a->score == -0.25);
  REQUIRE(a->highlights.size() == 1);
  CHECK(a->highlights[0].text == "not ready");
  CHECK(a->highlights[0].polarity == "negative");
  CHECK(a->positive_count == 1);
  CHECK(a->negative_count == 2);
  CHECK(a->provider.empty());
  // The edges of the ranges, no highlights, and extra members are fine.
  CHECK(parse_analysis(analysis_with("sentiment_score", "1")).ok());
  CHECK(parse_analysis(analysis_with("sentiment_score", "-1.0")).ok());
  CHECK(parse_analysis(analysis_with("highlights", "[]")).ok());
  CHECK(parse_analysis(analysis_with("positive_count", "0")).ok());
  CHECK(parse_analysis(R"({"extra": true, )" + analysis_with("", "").substr(1)).ok());
}

TEST_CASE("parse_analysis refuses each kind of misfit as an upstream error",
          "[services][prompts]") {
  const std::vector<std::pair<std::string, std::string>> misfits = {
      {"summary", ""},
      {"summary", "42"},
      {"summary", R"("   ")"},
      {"summary", "\"" + std::string(4001, 's') + "\""},
      {"summary", R"("cut\u0000here")"},
      {"sentiment", ""},
      {"sentiment", R"("ecstatic")"},
      {"sentiment", R"("Positive")"},
      {"sentiment_score", ""},
      {"sentiment_score", "3"},
      {"sentiment_score", "-1.01"},
      {"sentiment_score", R"("0.5")"},
      {"highlights", ""},
      {"highlights", R"("not ready")"},
      {"highlights", R"(["not ready"])"},
      {"highlights", R"([{"polarity": "negative"}])"},
      {"highlights", R"([{"text": "", "polarity": "negative"}])"},
      {"highlights", R"([{"text": "x", "polarity": "angry"}])"},
      {"highlights", R"([{"text": "x"}])"},
      {"positive_count", ""},
      {"positive_count", "-1"},
      {"positive_count", "1.5"},
      {"positive_count", R"("1")"},
      {"negative_count", ""},
      {"negative_count", "-3"},
  };
  for (const auto& [field, value] : misfits) {
    const std::string answer = analysis_with(field, value);
    INFO(answer.substr(0, 200));
    const auto a = parse_analysis(answer);
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().code == ErrorCode::kUpstreamError);
    CHECK_FALSE(a.error().message.empty());
  }
  std::string many = R"([)";
  for (int i = 0; i < 21; ++i)
    many += (i ? "," : "") + std::string(R"({"text": "x", "polarity": "neutral"})");
  CHECK_FALSE(parse_analysis(analysis_with("highlights", many + "]")).ok());
  for (const std::string answer :
       {"", "not JSON", "[1, 2]", "\"text\"", "{\"summary\": ", "null"}) {
    INFO(answer);
    const auto a = parse_analysis(answer);
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().code == ErrorCode::kUpstreamError);
  }
}

TEST_CASE("an answer nested deeper than 64 levels is a misfit that names the depth",
          "[services][prompts]") {
  using moodgate::testing::nested_arrays;
  using moodgate::testing::nested_objects;
  for (const std::string& answer : {nested_objects(65), nested_arrays(150'000),
                                    nested_objects(150'000), nested_objects(150'000, false)}) {
    INFO(answer.substr(0, 20) << " ... " << answer.size() << " bytes");
    const auto a = parse_analysis(answer);
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().code == ErrorCode::kUpstreamError);
    CHECK(a.error().message ==
          "The provider's answer did not fit the expected shape: it nests deeper than 64 levels");
    CHECK_FALSE(parse_scenarios(answer, 3).ok());
    CHECK_FALSE(parse_summary(answer).ok());
  }
  // 64 levels parse; the shape is what is wrong then.
  const auto deep_but_allowed = parse_analysis(nested_objects(64));
  REQUIRE_FALSE(deep_but_allowed.ok());
  CHECK(deep_but_allowed.error().message.find("deeper") == std::string::npos);
}

TEST_CASE("an answer nested a million deep is a misfit, not a stack overflow",
          "[services][prompts]") {
  const std::string deep =
      R"({"summary": )" + std::string(1'000'000, '[') + std::string(1'000'000, ']') + "}";
  for (const std::string& answer : {deep, deep.substr(0, deep.size() / 2)}) {
    CHECK_FALSE(parse_analysis(answer).ok());
    CHECK_FALSE(parse_scenarios(answer, 3).ok());
    CHECK_FALSE(parse_summary(answer).ok());
  }
}

TEST_CASE("parse_scenarios takes 1..count fitting scenarios and refuses the rest",
          "[services][prompts]") {
  const auto two =
      parse_scenarios(R"({"scenarios": [{"title": " What if ", "description": "You asked."},)"
                      R"( {"title": "Or", "description": "You waited.", "extra": 1}]})",
                      3);
  REQUIRE(two.ok());
  REQUIRE(two->size() == 2);
  CHECK((*two)[0].title == "What if");
  CHECK((*two)[0].description == "You asked.");
  CHECK((*two)[0].id.empty());
  CHECK((*two)[1].title == "Or");

  const std::string one = R"({"title": "T", "description": "D"})";
  CHECK(parse_scenarios(R"({"scenarios": [)" + one + "," + one + "]}", 2).ok());
  const std::vector<std::string> misfits = {
      R"({"scenarios": []})",
      R"({"scenarios": [)" + one + "," + one + "," + one + "]}",  // more than asked for
      R"({"scenarios": "T"})",
      R"({"items": [)" + one + "]}",
      R"({"scenarios": ["T"]})",
      R"({"scenarios": [{"title": "T"}]})",
      R"({"scenarios": [{"title": "", "description": "D"}]})",
      R"({"scenarios": [{"title": 1, "description": "D"}]})",
      R"({"scenarios": [{"title": "T", "description": "D\u0000"}]})",
      R"({"scenarios": [{"title": ")" + std::string(301, 't') + R"(", "description": "D"}]})",
      "[]",
      "no",
  };
  for (const std::string& answer : misfits) {
    INFO(answer.substr(0, 200));
    const auto s = parse_scenarios(answer, 2);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == ErrorCode::kUpstreamError);
  }
}

TEST_CASE("parse_summary takes a summary with string highlights and refuses the rest",
          "[services][prompts]") {
  const auto s =
      parse_summary(R"({"summary": "A calm week.", "highlights": ["walks", " sleep "]})");
  REQUIRE(s.ok());
  CHECK(s->summary == "A calm week.");
  CHECK(s->highlights == std::vector<std::string>{"walks", "sleep"});
  CHECK(parse_summary(R"({"summary": "A calm week.", "highlights": []})").ok());
  for (const std::string answer :
       {R"({"highlights": []})", R"({"summary": "", "highlights": []})", R"({"summary": "x"})",
        R"({"summary": "x", "highlights": [1]})", R"({"summary": "x", "highlights": [""]})",
        R"({"summary": "x", "highlights": "a"})", R"({"summary": "x", "highlights": ["a\u0000b"]})",
        "[]", "nope"}) {
    INFO(answer);
    const auto r = parse_summary(answer);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kUpstreamError);
  }
}

TEST_CASE("tasks carry their schema, and task_digest tells different entries apart",
          "[services][prompts]") {
  const auto task = analysis_task(exam());
  CHECK(task.json_schema.find("\"sentiment_score\"") != std::string::npos);
  REQUIRE(task.messages.size() == 1);
  CHECK(task.messages[0].role == "user");
  CHECK(task.messages[0].text.find("My exam got moved") != std::string::npos);
  CHECK(task.system_prompt.find("My exam") == std::string::npos);
  CHECK(scenarios_task(exam(), 4).json_schema.find("\"maxItems\": 4") != std::string::npos);
  CHECK(summary_task({exam()}, "2026-11-01", "2026-11-08").json_schema.find("highlights") !=
        std::string::npos);

  const std::string base = task_digest(analysis_task(exam()));
  CHECK(base.size() == 64);
  CHECK(task_digest(analysis_task(exam())) == base);  // the same entry, the same digest
  CHECK(task_digest(analysis_task(exam(0.7))) != base);
  CHECK(task_digest(analysis_task(exam(0.81))) != base);
  CHECK(task_digest(analysis_task(exam(0.8, "scared"))) != base);
  EntryText reordered = exam();
  std::swap(reordered.emotions[0], reordered.emotions[1]);
  CHECK(task_digest(analysis_task(reordered)) != base);
  EntryText other_thoughts = exam();
  other_thoughts.thoughts = "I'm ready";
  CHECK(task_digest(analysis_task(other_thoughts)) != base);
  // The analysis and the scenarios of one entry are different tasks.
  CHECK(task_digest(scenarios_task(exam(), 3)) != base);
  CHECK(task_digest(scenarios_task(exam(), 3)) != task_digest(scenarios_task(exam(), 2)));
}
