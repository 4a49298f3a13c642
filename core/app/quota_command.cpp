#include "core/app/quota_command.h"

#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <utility>

#include "core/common/time_format.h"
#include "core/config/value_syntax.h"
#include "core/services/account_rules.h"
#include "core/services/quota_service.h"
#include "core/store/database.h"
#include "core/store/migrations.h"
#include "core/store/users_repository.h"

namespace moodgate::app {
namespace {

constexpr const char* kScopeNames = "analysis, scenarios, summary, image or spend_usd";

bool is_quota_scope(const std::string& name) {
  for (const std::string& scope : services::quota_scopes()) {
    if (scope == name) return true;
  }
  return false;
}

std::optional<std::string> scope_problem(const std::string& scope) {
  if (is_quota_scope(scope)) return std::nullopt;
  return "unknown quota CAPABILITY \"" + scope + "\" (" + kScopeNames + ")";
}

int fail(const std::string& message) {
  std::cerr << "moodgate quota: " << message << "\n";
  return 1;
}

// The user with `email` (already checked), or nullopt after saying why there is none.
std::optional<store::UserRow> find_user(store::Database& db, const std::string& email) {
  const std::string normalized = *services::normalize_email(email);
  auto user = db.run("quota.find_user", [&](soci::session& sql) {
    return store::UsersRepository(sql).find_by_email(normalized);
  });
  if (!user.ok()) {
    fail("cannot look the user up: " + user.error().message);
    return std::nullopt;
  }
  if (!*user) fail("no user with the email " + normalized);
  return *user;
}

// "100/1d", "5.00/1d" or "off": how `scope`'s limit is written in `limits`.
std::string limit_text(const config::QuotaLimits& limits, const std::string& scope) {
  if (const auto capability = config::capability_from_string(scope)) {
    const config::RateLimitRule& rule = limits.calls(*capability);
    return config::format_rate(rule.limit, rule.window_s);
  }
  return config::format_spend(limits.spend_usd.micros, limits.spend_usd.window_s);
}

bool has_override(const std::vector<store::QuotaOverride>& overrides, const std::string& scope) {
  for (const store::QuotaOverride& o : overrides) {
    if (o.scope == scope) return true;
  }
  return false;
}

// One line of `quota show`: the scope, its limit and where it comes from, then the meter (calls,
// or micro-USD shown as dollars when `dollars`). An unlimited meter counts nothing: dashes.
std::string show_line(const std::string& scope, const std::string& limit, bool overridden,
                      const store::QuotaMeter& meter, bool dollars) {
  const auto amount = [dollars](long long value) {
    return dollars ? config::format_usd(value) : std::to_string(value);
  };
  std::ostringstream line;
  line << "  " << std::left << std::setw(11) << scope << std::setw(11) << limit << std::setw(10)
       << (overridden ? "override" : "default");
  if (!meter.limit) {
    line << std::setw(10) << "-" << std::setw(11) << "-"
         << "-";
  } else {
    line << std::setw(10) << amount(meter.used) << std::setw(11) << amount(*meter.remaining)
         << format_rfc3339_ms(from_unix_seconds(*meter.resets_at));
  }
  return line.str();
}

int show(services::QuotaService& quotas, const store::UserRow& user) {
  auto overrides = quotas.overrides(user.id);
  if (!overrides.ok()) return fail("cannot read the overrides: " + overrides.error().message);
  auto limits = services::apply_quota_overrides(quotas.config().per_user, *overrides);
  if (!limits.ok()) return fail(limits.error().message);
  auto usage = quotas.usage(user.id, unix_now());
  if (!usage.ok()) return fail("cannot read the usage: " + usage.error().message);
  std::cout << user.email
            << (quotas.enabled() ? "" : " (quotas.enabled is false: nothing is counted or refused)")
            << "\n  " << std::left << std::setw(11) << "quota" << std::setw(11) << "limit"
            << std::setw(10) << "set by" << std::setw(10) << "used" << std::setw(11) << "remaining"
            << "resets at\n";
  for (const config::Capability c : config::kCapabilities) {
    const std::string scope = config::to_string(c);
    std::cout << show_line(scope, limit_text(*limits, scope), has_override(*overrides, scope),
                           usage->calls.at(c), false)
              << "\n";
  }
  std::cout << show_line(store::kSpendScope, limit_text(*limits, store::kSpendScope),
                         has_override(*overrides, store::kSpendScope), usage->spend, true)
            << "\n";
  return 0;
}

int set(services::QuotaService& quotas, const store::UserRow& user, const std::string& scope,
        const std::string& limit) {
  if (Status set = quotas.set_override(user.id, scope, limit); !set.ok()) {
    return fail("cannot set the override: " + set.error().message);
  }
  std::cout << user.email << ": " << scope << " set to "
            << *services::canonical_quota_limit(scope, limit) << " (override)\n";
  return 0;
}

int clear(services::QuotaService& quotas, const store::UserRow& user,
          const std::optional<std::string>& scope) {
  const std::string fallback = " (quotas.per_user applies)\n";
  if (!scope) {
    auto cleared = quotas.clear_overrides(user.id);
    if (!cleared.ok()) return fail("cannot clear the overrides: " + cleared.error().message);
    std::cout << user.email << ": " << *cleared << " override(s) cleared" << fallback;
    return 0;
  }
  auto cleared = quotas.clear_override(user.id, *scope);
  if (!cleared.ok()) return fail("cannot clear the override: " + cleared.error().message);
  std::cout << user.email << ": " << *scope << (*cleared ? " override cleared" : " had no override")
            << fallback;
  return 0;
}

}  // namespace

std::optional<std::string> check_quota_arguments(const std::vector<std::string>& args) {
  if (args.empty()) return "quota needs an action: set, show or clear";
  const std::string& action = args[0];
  const std::size_t operands = args.size() - 1;
  if (action == "set" && operands != 3) return "quota set needs EMAIL CAPABILITY LIMIT";
  if (action == "show" && operands != 1) return "quota show needs EMAIL (only)";
  if (action == "clear" && (operands < 1 || operands > 2)) {
    return "quota clear needs EMAIL and at most one CAPABILITY";
  }
  if (action != "set" && action != "show" && action != "clear") {
    return "unknown quota action \"" + action + "\" (set, show or clear)";
  }
  if (!services::normalize_email(args[1]).ok()) {
    return "quota " + action + ": \"" + args[1] + "\" is not an email address";
  }
  if (operands >= 2) {
    if (auto problem = scope_problem(args[2])) return "quota " + action + ": " + *problem;
  }
  if (action == "set" && !services::canonical_quota_limit(args[2], args[3])) {
    return "quota set: LIMIT for " + args[2] + " must be " + services::quota_limit_syntax(args[2]) +
           "; got \"" + args[3] + "\"";
  }
  return std::nullopt;
}

int run_quota_command(const config::Config& config, const std::vector<std::string>& args) {
  auto database = store::Database::open(config.database);
  if (!database.ok()) return fail("cannot open the database: " + database.error().message);
  if (config.database.migrate_on_start) {
    auto migrated = store::migrate(**database, store::default_schema_dir());
    if (!migrated.ok()) return fail("migration failed: " + migrated.error().message);
  }
  const std::optional<store::UserRow> user = find_user(**database, args[1]);
  if (!user) return 1;
  services::QuotaService quotas(**database, config.quotas);
  const std::string& action = args[0];
  if (action == "show") return show(quotas, *user);
  if (action == "set") return set(quotas, *user, args[2], args[3]);
  return clear(quotas, *user, args.size() > 2 ? std::optional<std::string>(args[2]) : std::nullopt);
}

}  // namespace moodgate::app
