#include "core/api/insights_api.h"

#include "core/api/json_body.h"
#include "core/api/query_params.h"
#include "core/common/json.h"
#include "core/common/time_format.h"

namespace moodgate::api {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using http::Method;
using services::Period;

constexpr auto kDefaultSpan = std::chrono::hours(24 * 30);

// The period from optional `from` and `to` texts (already read from the query or the body).
Result<Period> period_of(const std::optional<std::string>& from_text,
                         const std::optional<std::string>& to_text, const Period& fallback) {
  Period p = fallback;
  if (to_text) {
    auto to = range_time(*to_text, RangeEnd::kTo, "to");
    if (!to) return std::move(to).error();
    p.to = std::move(to).value();
    if (!from_text) {
      p.from = format_rfc3339_ms(*parse_rfc3339_ms(p.to) - kDefaultSpan);
    }
  }
  if (from_text) {
    auto from = range_time(*from_text, RangeEnd::kFrom, "from");
    if (!from) return std::move(from).error();
    p.from = std::move(from).value();
  }
  if (p.from >= p.to) return Error::invalid_input("from must be before to", "from");
  return p;
}

void write_period(json::Writer& w, const Period& p) {
  json::key(w, "from");
  json::string(w, p.from);
  json::key(w, "to");
  json::string(w, p.to);
}

std::string overview_json(const services::Overview& o) {
  return json::build([&](json::Writer& w) {
    w.StartObject();
    write_period(w, o.period);
    json::key(w, "entry_count");
    w.Int64(o.entry_count);
    json::key(w, "top_emotions");
    w.StartArray();
    for (const auto& e : o.top_emotions) {
      w.StartObject();
      json::key(w, "name");
      json::string(w, e.name);
      json::key(w, "count");
      w.Int64(e.count);
      json::key(w, "avg_intensity");
      w.Double(e.avg_intensity);
      w.EndObject();
    }
    w.EndArray();
    json::key(w, "sentiment_by_day");
    w.StartArray();
    for (const auto& d : o.sentiment_by_day) {
      w.StartObject();
      json::key(w, "date");
      json::string(w, d.date);
      json::key(w, "avg_score");
      if (d.avg_score) {
        w.Double(*d.avg_score);
      } else {
        w.Null();
      }
      json::key(w, "entries");
      w.Int64(d.entries);
      w.EndObject();
    }
    w.EndArray();
    json::key(w, "streak_days");
    w.Int(o.streak_days);
    w.EndObject();
  });
}

std::string summary_json(const services::Summary& s) {
  return json::build([&](json::Writer& w) {
    w.StartObject();
    write_period(w, s.period);
    json::key(w, "entry_count");
    w.Int64(s.entry_count);
    json::key(w, "summary");
    json::string(w, s.summary);
    json::key(w, "highlights");
    w.StartArray();
    for (const auto& h : s.highlights) json::string(w, h);
    w.EndArray();
    json::key(w, "provider");
    if (s.provider) {
      json::string(w, *s.provider);
    } else {
      w.Null();
    }
    json::key(w, "model");
    if (s.model) {
      json::string(w, *s.model);
    } else {
      w.Null();
    }
    w.EndObject();
  });
}

async::Task<Result<HttpResponse>> overview(services::InsightsService& insights, const Call& call) {
  auto period = period_of(call.request.query_param("from"), call.request.query_param("to"),
                          insights.default_period());
  if (!period) co_return std::move(period).error();
  auto found = insights.overview(call.user().user_id, *period);
  if (!found) co_return std::move(found).error();
  co_return HttpResponse::json(200, overview_json(*found));
}

async::Task<Result<HttpResponse>> summary(services::InsightsService& insights,
                                          std::chrono::milliseconds deadline, const Call& call) {
  auto body = JsonBody::parse_optional(call.request);
  if (!body) co_return std::move(body).error();
  auto from = body->optional_string("from");
  if (!from) co_return std::move(from).error();
  auto to = body->optional_string("to");
  if (!to) co_return std::move(to).error();
  auto period = period_of(*from, *to, insights.default_period());
  if (!period) co_return std::move(period).error();
  services::CallContext context{call.user().user_id, call.request.request_id,
                                call.request.received_at + deadline};
  Result<services::Summary> made = co_await insights.summarize(std::move(context), *period);
  if (!made) co_return std::move(made).error();
  co_return HttpResponse::json(200, summary_json(*made));
}

}  // namespace

void register_insights_api(Routes& routes, InsightsApiDeps deps) {
  services::InsightsService* insights = deps.insights;
  const std::chrono::milliseconds deadline = deps.ai_deadline;
  routes.add(Method::kGet, "/api/v1/insights", {.access = Access::kToken},
             [insights](const Call& c) { return overview(*insights, c); });
  routes.add(Method::kPost, "/api/v1/insights/summary",
             {.access = Access::kToken, .idempotency_key = true},
             [insights, deadline](const Call& c) { return summary(*insights, deadline, c); });
}

}  // namespace moodgate::api
