// Journal entries for tests that need one (visualizations hang off entries), written with plain
// SQL until the entries API and its repository land. Each helper FAILs the test on error.
#pragma once

#include <string>
#include <vector>

#include "core/store/database.h"

namespace moodgate::testing {

struct TestEmotion {
  std::string name;
  double intensity = 0.5;
};

struct TestEntry {
  std::string situation = "My exam got moved to tomorrow";
  std::string thoughts = "I'm not ready";
  std::vector<TestEmotion> emotions{{"anxious", 0.8}, {"hopeful", 0.3}};
  // With analysis_status "ready": the summary and sentiment the analysis found.
  std::string analysis_status = "pending";
  std::string analysis_summary;
  std::string analysis_sentiment;
};

// Inserts an entry of `user_id` (who must exist) with its emotions; returns its new id.
std::string create_test_entry(store::Database& db, const std::string& user_id,
                              const TestEntry& entry = {});
// Deletes the entry as the entries API will (its visualizations and images cascade).
void delete_test_entry(store::Database& db, const std::string& entry_id);
// SELECT count(*) FROM `table` WHERE `column` = `value` (names are the test's own literals).
long long count_rows(store::Database& db, const std::string& table, const std::string& column,
                     const std::string& value);

}  // namespace moodgate::testing
