// UsageRepository: the ai_usage table, one row per AI call (ai::UsageRecord, core/ai/usage.h).
//
// insert() adds a batch of rows in one bulk statement; totals_for_user() and recent() read them
// back for tests, operators and insights. Rows outlive their user: deleting a user sets their
// user_id to NULL (ON DELETE SET NULL), so spending stays accounted for. Same usage rules as the
// other repositories: works on a borrowed session (inside Database::run() or transaction()),
// throws SOCI exceptions on database errors. Not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/ai/usage.h"

namespace soci {
class session;
}

namespace moodgate::store {

// What a user's AI calls added up to.
struct UsageTotals {
  long long calls = 0;
  long long tokens_in = 0;
  long long tokens_out = 0;
  double cost_usd = 0;
};

class UsageRepository {
 public:
  explicit UsageRepository(soci::session& sql);

  // Inserts one row per record; created_at is set by the database. An empty request_id and a
  // missing user_id are stored as NULL. Throws when any row breaks a constraint (a negative
  // count, a user_id naming no user); inside a transaction (as Database::transaction() rolls
  // it back) the whole batch is then left out.
  void insert(const std::vector<ai::UsageRecord>& records);
  // The user's calls, tokens and cost over all their rows (zeros when none).
  UsageTotals totals_for_user(const std::string& user_id);
  // The `limit` most recently inserted rows, newest first (empty when limit <= 0). Throws when
  // a row's capability is none the core knows (enum_column.h).
  std::vector<ai::UsageRecord> recent(int limit);

 private:
  soci::session& sql_;
};

}  // namespace moodgate::store
