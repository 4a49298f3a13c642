#include "core/ai/provider_budgets.h"

namespace moodgate::ai {

std::int64_t budget_window_start(int window_s, std::int64_t now_s) {
  if (window_s <= 0) return now_s;
  const std::int64_t w = window_s;
  const std::int64_t q = now_s / w;
  return (now_s % w < 0 ? q - 1 : q) * w;
}

std::optional<BudgetStanding> ProviderBudgets::standing(
    const config::ProviderInstanceConfig& instance, std::int64_t now_s) const {
  const config::SpendLimitRule& budget = instance.budget_usd;
  if (!budget.enabled()) return std::nullopt;
  BudgetStanding s;
  s.limit_micros = budget.micros;
  s.window_start = budget_window_start(budget.window_s, now_s);
  s.resets_at = s.window_start + budget.window_s;
  std::lock_guard lock(mu_);
  const auto it = spent_.find(Key{instance.name, budget.window_s, s.window_start});
  if (it != spent_.end()) s.spent_micros = it->second;
  return s;
}

bool ProviderBudgets::allows(const config::ProviderInstanceConfig& instance,
                             std::int64_t now_s) const {
  const auto s = standing(instance, now_s);
  return !s || !s->exhausted();
}

void ProviderBudgets::written(const std::vector<store::ProviderSpend>& spends) {
  std::lock_guard lock(mu_);
  for (const store::ProviderSpend& s : spends) {
    spent_[Key{s.instance, s.window_s, s.window_start}] += s.spend_micros;
  }
}

void ProviderBudgets::replace(const std::vector<store::ProviderSpend>& current) {
  std::map<Key, long long> fresh;
  for (const store::ProviderSpend& s : current) {
    fresh[Key{s.instance, s.window_s, s.window_start}] = s.spend_micros;
  }
  std::lock_guard lock(mu_);
  spent_.swap(fresh);
}

}  // namespace moodgate::ai
