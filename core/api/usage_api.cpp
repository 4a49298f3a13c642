#include "core/api/usage_api.h"

#include <functional>

#include "core/common/json.h"
#include "core/common/time_format.h"
#include "core/config/value_syntax.h"

namespace moodgate::api {
namespace {

// One meter: {"used", "limit", "remaining", "resets_at"}, each number written by `amount`.
void write_meter(json::Writer& w, const store::QuotaMeter& m,
                 const std::function<void(long long)>& amount) {
  w.StartObject();
  json::key(w, "used");
  amount(m.used);
  json::key(w, "limit");
  m.limit ? amount(*m.limit) : static_cast<void>(w.Null());
  json::key(w, "remaining");
  m.remaining ? amount(*m.remaining) : static_cast<void>(w.Null());
  json::key(w, "resets_at");
  if (m.resets_at) {
    json::string(w, format_rfc3339_ms(from_unix_seconds(*m.resets_at)));
  } else {
    w.Null();
  }
  w.EndObject();
}

std::string usage_json(const store::QuotaUsage& usage) {
  return json::build([&](json::Writer& w) {
    const auto calls = [&w](long long n) { w.Int64(n); };
    // Micro-USD as a JSON number of USD: 1250000 -> 1.25 (exact to the micro-dollar).
    const auto usd = [&w](long long micros) { w.Double(static_cast<double>(micros) / 1e6); };
    w.StartObject();
    json::key(w, "capabilities");
    w.StartObject();
    for (const config::Capability c : config::kCapabilities) {
      json::key(w, config::to_string(c));
      const auto it = usage.calls.find(c);
      write_meter(w, it != usage.calls.end() ? it->second : store::QuotaMeter{}, calls);
    }
    w.EndObject();
    json::key(w, "spend_usd");
    write_meter(w, usage.spend, usd);
    w.EndObject();
  });
}

async::Task<Result<http::HttpResponse>> usage(services::QuotaService& quotas, const Call& call) {
  auto usage = quotas.usage(call.user().user_id, unix_now());
  if (!usage) co_return std::move(usage).error();
  co_return http::HttpResponse::json(200, usage_json(*usage));
}

}  // namespace

void register_usage_api(Routes& routes, UsageApiDeps deps) {
  services::QuotaService* quotas = deps.quotas;
  routes.add(http::Method::kGet, "/api/v1/usage", {.access = Access::kToken},
             [quotas](const Call& call) { return usage(*quotas, call); });
}

}  // namespace moodgate::api
