// ProviderSpendRepository: the provider_spend table, each provider instance's settled spend per
// budget window, every gateway instance together (providers.instances.<name>.budget_usd;
// core/ai/provider_budgets.h reads it, services::UsageRecorder adds to it).
//
// Windows are fixed and aligned like the other limits: a window of W seconds starting at
// floor(t / W) * W (Unix seconds). Same usage rules as the other repositories: works on a
// borrowed session, throws SOCI exceptions on database errors. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace moodgate::store {

// One instance's spend in one window.
struct ProviderSpend {
  std::string instance;
  int window_s = 0;
  std::int64_t window_start = 0;  // Unix seconds, a multiple of window_s
  long long spend_micros = 0;
};

class ProviderSpendRepository {
 public:
  explicit ProviderSpendRepository(soci::session& sql);

  // Adds each row's spend_micros (>= 0) to its instance's window, creating the window's row.
  // One statement per row (an upsert), so concurrent writers never lose an addition.
  void add(const std::vector<ProviderSpend>& spends);
  // The windows still open at `now_s` (window_start + window_s > now_s), every instance.
  std::vector<ProviderSpend> current(std::int64_t now_s);
  // Removes the windows that ended before `now_s`; how many.
  long long purge_ended(std::int64_t now_s);

 private:
  soci::session& sql_;
};

}  // namespace moodgate::store
