// InsightsRepository: a user's emotional picture over a period, computed in SQL (no AI): how
// many entries, the emotions named most, the average sentiment score per UTC day, and the
// current streak of days with an entry.
//
// Periods are [from, to) in RFC 3339 ms text. Same usage rules as the other repositories:
// works on a borrowed session, throws SOCI exceptions on database errors. Not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/store/database_url.h"

namespace soci {
class session;
}

namespace moodgate::store {

struct EmotionCount {
  std::string name;
  long long count = 0;
  double avg_intensity = 0;
};

struct DaySentiment {
  std::string date;                 // "YYYY-MM-DD" (UTC)
  std::optional<double> avg_score;  // over the day's analysed (ready) entries; none if none
  long long entries = 0;
};

class InsightsRepository {
 public:
  explicit InsightsRepository(soci::session& sql);

  long long entry_count(const std::string& user_id, const std::string& from, const std::string& to);
  // The `limit` emotions named in most entries of the period (ties: higher average intensity,
  // then name).
  std::vector<EmotionCount> top_emotions(const std::string& user_id, const std::string& from,
                                         const std::string& to, int limit);
  // One row per UTC day of the period that has entries, oldest first.
  std::vector<DaySentiment> sentiment_by_day(const std::string& user_id, const std::string& from,
                                             const std::string& to);
  // Consecutive UTC days with at least one entry, ending `today` ("YYYY-MM-DD") or, when
  // today has none yet, the day before; 0 when neither has one.
  int streak_days(const std::string& user_id, const std::string& today);

 private:
  soci::session& sql_;
  Backend backend_;
};

}  // namespace moodgate::store
