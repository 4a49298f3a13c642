#include "tests/support/test_entries.h"

#include <soci/soci.h>

#include <catch2/catch.hpp>

#include "core/common/uuid.h"

namespace moodgate::testing {

std::string create_test_entry(store::Database& db, const std::string& user_id,
                              const TestEntry& entry) {
  const std::string id = new_uuid();
  auto created = db.transaction("test.entries.insert", [&](soci::session& sql) {
    const bool ready = entry.analysis_status == "ready";
    std::string summary = entry.analysis_summary;
    std::string sentiment = entry.analysis_sentiment;
    soci::indicator summary_ind = ready && !summary.empty() ? soci::i_ok : soci::i_null;
    soci::indicator sentiment_ind = ready && !sentiment.empty() ? soci::i_ok : soci::i_null;
    sql << "INSERT INTO entries (id, user_id, situation, thoughts, analysis_status,"
           " analysis_summary, analysis_sentiment)"
           " VALUES (:id, :user_id, :situation, :thoughts, :status, :summary, :sentiment)",
        soci::use(id, "id"), soci::use(user_id, "user_id"), soci::use(entry.situation, "situation"),
        soci::use(entry.thoughts, "thoughts"), soci::use(entry.analysis_status, "status"),
        soci::use(summary, summary_ind, "summary"),
        soci::use(sentiment, sentiment_ind, "sentiment");
    for (std::size_t i = 0; i < entry.emotions.size(); ++i) {
      const int position = static_cast<int>(i);
      sql << "INSERT INTO entry_emotions (entry_id, position, name, intensity)"
             " VALUES (:entry_id, :position, :name, :intensity)",
          soci::use(id, "entry_id"), soci::use(position, "position"),
          soci::use(entry.emotions[i].name, "name"),
          soci::use(entry.emotions[i].intensity, "intensity");
    }
  });
  if (!created.ok()) FAIL("creating an entry failed: " << created.error().message);
  return id;
}

void delete_test_entry(store::Database& db, const std::string& entry_id) {
  auto deleted = db.transaction("test.entries.delete", [&](soci::session& sql) {
    sql << "DELETE FROM entries WHERE id = :id", soci::use(entry_id, "id");
  });
  if (!deleted.ok()) FAIL("deleting an entry failed: " << deleted.error().message);
}

long long count_rows(store::Database& db, const std::string& table, const std::string& column,
                     const std::string& value) {
  auto counted = db.run("test.count", [&](soci::session& sql) {
    long long n = 0;
    sql << "SELECT count(*) FROM " + table + " WHERE " + column + " = :value",
        soci::use(value, "value"), soci::into(n);
    return n;
  });
  if (!counted.ok()) FAIL("counting rows failed: " << counted.error().message);
  return *counted;
}

}  // namespace moodgate::testing
