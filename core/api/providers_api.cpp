#include "core/api/providers_api.h"

#include <optional>

#include "core/common/json.h"
#include "core/common/time_format.h"
#include "core/config/config.h"

namespace moodgate::api {
namespace {

void write_budget(json::Writer& w, const std::optional<ai::BudgetStanding>& budget) {
  if (!budget) {
    w.Null();
    return;
  }
  w.StartObject();
  json::key(w, "limit_usd");
  w.Double(static_cast<double>(budget->limit_micros) / 1e6);
  json::key(w, "spent_usd");
  w.Double(static_cast<double>(budget->spent_micros) / 1e6);
  json::key(w, "resets_at");
  json::string(w, format_rfc3339_ms(from_unix_seconds(budget->resets_at)));
  json::key(w, "exhausted");
  w.Bool(budget->exhausted());
  w.EndObject();
}

std::string providers_json(const ai::ProviderSet& set, const ai::ProviderBudgets* budgets) {
  const std::int64_t now = unix_now();
  return json::build([&](json::Writer& w) {
    w.StartObject();
    json::key(w, "capabilities");
    w.StartObject();
    for (const config::Capability capability : config::kCapabilities) {
      json::key(w, config::to_string(capability));
      w.StartArray();
      for (const auto& inst : set.chain(capability)) {
        w.StartObject();
        json::key(w, "instance");
        json::string(w, inst->config.name);
        json::key(w, "plugin");
        json::string(w, inst->plugin->name);
        json::key(w, "model");
        json::string(w, inst->model);
        // closed (healthy), open (skipped until its cool-down ends) or half_open (probing).
        json::key(w, "breaker");
        json::string(w, ai::breaker_state_name(inst->breaker->state()));
        // Spent: skipped like an open breaker until the window resets.
        json::key(w, "budget");
        write_budget(w, budgets ? budgets->standing(inst->config, now) : std::nullopt);
        w.EndObject();
      }
      w.EndArray();
    }
    w.EndObject();
    w.EndObject();
  });
}

}  // namespace

void register_providers_api(Routes& routes, ProvidersApiDeps deps) {
  const ai::ProviderRegistry* registry = deps.providers;
  const ai::ProviderBudgets* budgets = deps.budgets;
  routes.add(http::Method::kGet, "/api/v1/providers", {.access = Access::kToken},
             [registry, budgets](const Call&) {
               return answer_now(
                   http::HttpResponse::json(200, providers_json(*registry->current(), budgets)));
             });
}

}  // namespace moodgate::api
