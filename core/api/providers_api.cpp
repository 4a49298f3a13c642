#include "core/api/providers_api.h"

#include "core/common/json.h"
#include "core/config/config.h"

namespace moodgate::api {
namespace {

std::string providers_json(const ai::ProviderSet& set) {
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
  routes.add(
      http::Method::kGet, "/api/v1/providers", {.access = Access::kToken}, [registry](const Call&) {
        return answer_now(http::HttpResponse::json(200, providers_json(*registry->current())));
      });
}

}  // namespace moodgate::api
