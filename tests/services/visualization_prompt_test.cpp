// The image prompt says what the entry felt, in the chosen style's own words, forbids text and
// identifiable people, and stays bounded whatever the entry holds.
#include "core/services/visualization_prompt.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>

using namespace moodgate;
using services::bounded_text;
using services::visualization_prompt;

namespace {

store::EntryForPrompt sample_entry() {
  store::EntryForPrompt e;
  e.situation = "My exam got moved to tomorrow";
  e.thoughts = "I'm not ready";
  e.emotions = {{"anxious", 0.8}, {"hopeful", 0.3}};
  e.analysis_status = store::AnalysisStatus::kPending;
  return e;
}

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80         ? 1
                            : (c >> 5) == 6  ? 2
                            : (c >> 4) == 14 ? 3
                            : (c >> 3) == 30 ? 4
                                             : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace

TEST_CASE("the prompt carries the emotions with their intensities, the situation and thoughts",
          "[services][prompt]") {
  const std::string p = visualization_prompt(sample_entry(), "abstract");
  CHECK_THAT(p, Catch::Contains("anxious (strong, 0.80)"));
  CHECK_THAT(p, Catch::Contains("hopeful (faint, 0.30)"));
  CHECK_THAT(p, Catch::Contains("\"My exam got moved to tomorrow\""));
  CHECK_THAT(p, Catch::Contains("\"I'm not ready\""));
  CHECK_THAT(p, Catch::Contains("no text, letters"));
  CHECK_THAT(p, Catch::Contains("No identifiable people"));
  // A pending analysis adds nothing.
  CHECK_THAT(p, !Catch::Contains("Overall mood"));
}

TEST_CASE("a ready analysis adds its summary and sentiment; a failed one does not",
          "[services][prompt]") {
  auto entry = sample_entry();
  entry.analysis_summary = "Worry about being unprepared, with a little hope.";
  entry.analysis_sentiment = "mixed";
  entry.analysis_status = store::AnalysisStatus::kReady;
  const std::string ready = visualization_prompt(entry, "abstract");
  CHECK_THAT(ready, Catch::Contains("In short: Worry about being unprepared"));
  CHECK_THAT(ready, Catch::Contains("Overall mood: mixed."));
  entry.analysis_status = store::AnalysisStatus::kFailed;
  CHECK_THAT(visualization_prompt(entry, "abstract"), !Catch::Contains("Overall mood"));
}

TEST_CASE("each style has its own wording", "[services][prompt]") {
  std::set<std::string> prompts;
  for (std::string_view style : services::kVisualizationStyles) {
    CHECK(services::is_visualization_style(style));
    prompts.insert(visualization_prompt(sample_entry(), style));
  }
  CHECK(prompts.size() == services::kVisualizationStyles.size());
  CHECK_THAT(visualization_prompt(sample_entry(), "watercolor"), Catch::Contains("watercolor"));
  CHECK_THAT(visualization_prompt(sample_entry(), "photographic"), Catch::Contains("photograph"));
  CHECK_THAT(visualization_prompt(sample_entry(), "minimal"), Catch::Contains("minimal"));
  CHECK_FALSE(services::is_visualization_style("cubist"));
  CHECK(visualization_prompt(sample_entry(), "cubist") ==
        visualization_prompt(sample_entry(), "abstract"));
}

TEST_CASE("long entries are cut on a UTF-8 boundary and the prompt stays bounded",
          "[services][prompt]") {
  store::EntryForPrompt e;
  std::string long_text;
  while (long_text.size() < 5000) long_text += "Überraschung 😊 ";  // 2- and 4-byte characters
  e.situation = long_text;
  e.thoughts = long_text;
  for (int i = 0; i < 12; ++i) e.emotions.push_back({std::string(40, 'x'), 0.5});
  e.analysis_status = store::AnalysisStatus::kReady;
  e.analysis_summary = long_text;
  e.analysis_sentiment = "mixed";
  for (std::string_view style : services::kVisualizationStyles) {
    const std::string p = visualization_prompt(e, style);
    CHECK(p.size() <= services::kMaxPromptBytes);
    CHECK(valid_utf8(p));
    CHECK_THAT(p, Catch::Contains("…\""));
    CHECK_THAT(p, Catch::EndsWith("suitable for anyone."));
  }
}

TEST_CASE("bounded_text collapses whitespace and control characters and cuts whole characters",
          "[services][prompt]") {
  CHECK(bounded_text("  a\n\tb\x01  c  ", 100) == "a b c");
  CHECK(bounded_text("abcdef", 6) == "abcdef");
  CHECK(bounded_text("abcdefg", 6) == "abc…");
  // "é" is two bytes: a cut never splits it.
  const std::string cut = bounded_text("ééééé", 8);
  CHECK(valid_utf8(cut));
  CHECK(cut == "éé…");
  CHECK(bounded_text("abc", 2).empty());
}
