#include "core/services/quota_service.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "core/config/value_syntax.h"

namespace moodgate::services {
namespace {

using config::Capability;
using store::QuotaRepository;

bool is_spend_scope(std::string_view scope) {
  return scope == store::kSpendScope;
}

// Every limit unlimited: what usage shows with quotas off.
store::QuotaUsage unlimited_usage() {
  store::QuotaUsage usage;
  for (const Capability c : config::kCapabilities) usage.calls[c] = {};
  return usage;
}

}  // namespace

std::vector<std::string> quota_scopes() {
  std::vector<std::string> scopes;
  for (const Capability c : config::kCapabilities) scopes.emplace_back(config::to_string(c));
  scopes.emplace_back(store::kSpendScope);
  return scopes;
}

std::optional<std::string> canonical_quota_limit(std::string_view scope, std::string_view limit) {
  if (is_spend_scope(scope)) {
    const auto spend = config::parse_spend(limit);
    if (!spend) return std::nullopt;
    return config::format_spend(spend->first, spend->second);
  }
  if (!config::capability_from_string(scope)) return std::nullopt;
  const auto rate = config::parse_rate(limit);
  if (!rate) return std::nullopt;
  return config::format_rate(rate->first, rate->second);
}

std::string quota_limit_syntax(std::string_view scope) {
  return is_spend_scope(scope) ? config::kSpendSyntax : config::kRateSyntax;
}

Result<config::QuotaLimits> apply_quota_overrides(
    config::QuotaLimits limits, const std::vector<store::QuotaOverride>& overrides) {
  for (const store::QuotaOverride& o : overrides) {
    const std::optional<Capability> capability = config::capability_from_string(o.scope);
    if (capability) {
      if (const auto rate = config::parse_rate(o.limit)) {
        limits.calls(*capability) = config::RateLimitRule{rate->first, rate->second};
        continue;
      }
    } else if (is_spend_scope(o.scope)) {
      if (const auto spend = config::parse_spend(o.limit)) {
        limits.spend_usd = config::SpendLimitRule{spend->first, spend->second};
        continue;
      }
    }
    return Error(ErrorCode::kInternal, "the quota override of " + o.scope +
                                           " holds a limit that does not parse: '" + o.limit + "'");
  }
  return limits;
}

Error quota_exceeded(Capability capability, const store::QuotaRefusal& refusal,
                     std::int64_t now_s) {
  const bool spend = refusal.limit == store::QuotaRefusal::Limit::kSpend;
  const std::string cap = config::to_string(capability);
  const std::string resets = format_rfc3339_ms(from_unix_seconds(refusal.resets_at));
  Error e(ErrorCode::kQuotaExceeded,
          spend ? "Your AI spending limit of " + config::format_usd(refusal.allowed) +
                      " USD is used up; it resets at " + resets
                : "Your " + cap + " quota of " + std::to_string(refusal.allowed) +
                      " calls is used up; it resets at " + resets);
  e.with("capability", cap).with("reason", std::string(spend ? "spend" : "calls"));
  if (spend) {
    e.with("limit_usd", config::format_usd(refusal.allowed))
        .with("remaining_usd", config::format_usd(0));
  } else {
    e.with("limit", refusal.allowed).with("remaining", 0LL);
  }
  e.with("reset_at", static_cast<long long>(refusal.resets_at))
      .with("retry_after_s", static_cast<long long>(std::max<std::int64_t>(
                                 1, refusal.resets_at - now_s)));
  return e;
}

QuotaService::QuotaService(store::Database& database, config::QuotasConfig config)
    : db_(database), config_(std::move(config)) {}

Result<config::QuotaLimits> QuotaService::limits_for(const std::string& user_id) {
  auto overrides = this->overrides(user_id);
  if (!overrides) return std::move(overrides).error();
  return apply_quota_overrides(config_.per_user, *overrides);
}

Result<store::QuotaReservation> QuotaService::reserve(const std::string& user_id,
                                                      Capability capability,
                                                      long long estimated_micros,
                                                      std::int64_t now_s) {
  if (!config_.enabled) return store::QuotaReservation{};
  return db_.run("quota.reserve", [&](soci::session& sql) {
    return reserve_on(sql, user_id, capability, estimated_micros, now_s);
  });
}

store::QuotaReservation QuotaService::reserve_on(soci::session& sql, const std::string& user_id,
                                                 Capability capability,
                                                 long long estimated_micros, std::int64_t now_s,
                                                 int ttl_s) {
  if (!config_.enabled) return {};
  const config::QuotaLimits limits = cached_limits(sql, user_id);
  return QuotaRepository(sql).reserve(user_id, capability, limits.calls(capability),
                                      limits.spend_usd, estimated_micros, now_s,
                                      ttl_s > 0 ? ttl_s : config_.reservation_ttl_s);
}

config::QuotaLimits QuotaService::cached_limits(soci::session& sql, const std::string& user_id) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    const auto it = cache_.find(user_id);
    if (it != cache_.end() && now - it->second.read_at < kOverridesCacheTtl) {
      return it->second.limits;
    }
  }
  auto limits = apply_quota_overrides(config_.per_user, QuotaRepository(sql).overrides(user_id));
  if (!limits) throw std::runtime_error(limits.error().message);
  std::lock_guard lock(mu_);
  if (cache_.size() >= kOverridesCacheUsers) cache_.clear();
  cache_[user_id] = CachedLimits{*limits, now};
  return *limits;
}

void QuotaService::forget(const std::string& user_id) {
  std::lock_guard lock(mu_);
  cache_.erase(user_id);
}

Status QuotaService::reserve_for(ai::AiCall& call, const ai::AiCalls& ai, std::int64_t now_s) {
  if (!config_.enabled || !call.user_id || call.user_id->empty()) return {};
  auto held = reserve(*call.user_id, call.capability, ai.estimate_micros(call), now_s);
  if (!held) return std::move(held).error();
  if (!held->granted()) return quota_exceeded(call.capability, *held->refusal, now_s);
  call.reservation_id = std::move(held->id);
  return {};
}

Result<bool> QuotaService::settle(const std::string& reservation_id, long long actual_micros) {
  if (reservation_id.empty()) return false;
  return db_.run("quota.settle", [&](soci::session& sql) {
    return QuotaRepository(sql).settle(reservation_id, actual_micros);
  });
}

Result<bool> QuotaService::refund(const std::string& reservation_id) {
  if (reservation_id.empty()) return false;
  return db_.run("quota.refund",
                 [&](soci::session& sql) { return QuotaRepository(sql).refund(reservation_id); });
}

Result<long long> QuotaService::expire(std::int64_t now_s) {
  return db_.run("quota.expire",
                 [&](soci::session& sql) { return QuotaRepository(sql).expire(now_s); });
}

Result<store::QuotaUsage> QuotaService::usage(const std::string& user_id, std::int64_t now_s) {
  if (!config_.enabled) return unlimited_usage();
  auto limits = limits_for(user_id);
  if (!limits) return std::move(limits).error();
  return db_.run("quota.usage", [&](soci::session& sql) {
    return QuotaRepository(sql).usage(user_id, *limits, now_s);
  });
}

Status QuotaService::set_override(const std::string& user_id, const std::string& scope,
                                  const std::string& limit) {
  const std::optional<std::string> canonical = canonical_quota_limit(scope, limit);
  if (!canonical) {
    if (!is_spend_scope(scope) && !config::capability_from_string(scope)) {
      return Error::invalid_input("unknown quota scope '" + scope + "'", "scope");
    }
    return Error::invalid_input(
        "the limit of " + scope + " must be " + quota_limit_syntax(scope) + "; got '" + limit + "'",
        "limit");
  }
  Status set = db_.run("quota.set_override", [&](soci::session& sql) {
    QuotaRepository(sql).set_override(user_id, scope, *canonical);
  });
  forget(user_id);
  return set;
}

Result<std::vector<store::QuotaOverride>> QuotaService::overrides(const std::string& user_id) {
  return db_.run("quota.overrides",
                 [&](soci::session& sql) { return QuotaRepository(sql).overrides(user_id); });
}

Result<bool> QuotaService::clear_override(const std::string& user_id, const std::string& scope) {
  auto cleared = db_.run("quota.clear_override", [&](soci::session& sql) {
    return QuotaRepository(sql).clear_override(user_id, scope);
  });
  forget(user_id);
  return cleared;
}

Result<long long> QuotaService::clear_overrides(const std::string& user_id) {
  auto cleared = db_.run("quota.clear_overrides", [&](soci::session& sql) {
    return QuotaRepository(sql).clear_overrides(user_id);
  });
  forget(user_id);
  return cleared;
}

}  // namespace moodgate::services
