#include "core/services/quota_service.h"

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
  auto limits = limits_for(user_id);
  if (!limits) return std::move(limits).error();
  return db_.run("quota.reserve", [&](soci::session& sql) {
    return QuotaRepository(sql).reserve(user_id, capability, limits->calls(capability),
                                        limits->spend_usd, estimated_micros, now_s,
                                        config_.reservation_ttl_s);
  });
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
  return db_.run("quota.set_override", [&](soci::session& sql) {
    QuotaRepository(sql).set_override(user_id, scope, *canonical);
  });
}

Result<std::vector<store::QuotaOverride>> QuotaService::overrides(const std::string& user_id) {
  return db_.run("quota.overrides",
                 [&](soci::session& sql) { return QuotaRepository(sql).overrides(user_id); });
}

Result<bool> QuotaService::clear_override(const std::string& user_id, const std::string& scope) {
  return db_.run("quota.clear_override", [&](soci::session& sql) {
    return QuotaRepository(sql).clear_override(user_id, scope);
  });
}

Result<long long> QuotaService::clear_overrides(const std::string& user_id) {
  return db_.run("quota.clear_overrides",
                 [&](soci::session& sql) { return QuotaRepository(sql).clear_overrides(user_id); });
}

}  // namespace moodgate::services
