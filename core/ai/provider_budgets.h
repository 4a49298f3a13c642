// ProviderBudgets: how much of each provider instance's budget (providers.instances.<name>.
// budget_usd: "50/1d") is spent, as this process knows it, so AiCaller's chains skip an instance
// whose budget is spent as they skip an open breaker (the next instance serves).
//
// The spend that counts is settled spend, every gateway instance together: the usage recorder
// adds each call's cost to the provider_spend table in the transaction that stores its ai_usage
// row, and tells this object what it wrote (written()); housekeeping reads the table back every
// few seconds (replace()), which brings in what the other instances settled. So one instance
// sees its own calls as soon as they are written and the others' within a refresh; a budget is
// overshot by at most the calls in flight and those settled elsewhere since the last refresh.
//
// Windows are fixed and aligned (floor(now / W) * W, Unix seconds), like every other limit; a
// window that ends starts at 0 again. Thread-safe: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/common/thread_annotations.h"
#include "core/config/config.h"
#include "core/store/provider_spend_repository.h"

namespace moodgate::ai {

// An instance's budget in its current window.
struct BudgetStanding {
  long long limit_micros = 0;
  long long spent_micros = 0;
  std::int64_t window_start = 0;  // Unix seconds
  std::int64_t resets_at = 0;     // Unix seconds: the window's end
  bool exhausted() const { return spent_micros >= limit_micros; }
};

// The window of a `window_s` budget that holds `now_s`: its start.
std::int64_t budget_window_start(int window_s, std::int64_t now_s);

class ProviderBudgets {
 public:
  // `instance`'s budget at `now_s`; nullopt when it has none (budget_usd off).
  std::optional<BudgetStanding> standing(const config::ProviderInstanceConfig& instance,
                                         std::int64_t now_s) const MG_EXCLUDES(mu_);
  // Whether a call may go to `instance` at `now_s`: no budget, or one not yet spent.
  bool allows(const config::ProviderInstanceConfig& instance, std::int64_t now_s) const
      MG_EXCLUDES(mu_);

  // This process wrote `spends` to provider_spend: counted at once, before the next refresh.
  void written(const std::vector<store::ProviderSpend>& spends) MG_EXCLUDES(mu_);
  // What provider_spend holds now (its current windows), in place of everything known so far.
  void replace(const std::vector<store::ProviderSpend>& current) MG_EXCLUDES(mu_);

 private:
  using Key = std::tuple<std::string, int, std::int64_t>;  // instance, window_s, window_start
  mutable std::mutex mu_;
  std::map<Key, long long> spent_ MG_GUARDED_BY(mu_);
};

}  // namespace moodgate::ai
