#include "core/api/entries_api.h"

#include "core/api/entry_json.h"
#include "core/api/json_body.h"
#include "core/api/query_params.h"
#include "core/services/entry_rules.h"

namespace moodgate::api {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using http::Method;
using services::Principal;
using Answer = async::Task<Result<HttpResponse>>;

services::CallContext context_for(const Call& call, std::chrono::milliseconds ai_deadline) {
  return {call.user().user_id, call.request.request_id, call.request.received_at + ai_deadline};
}

// `status` with the entry, or the error.
Result<HttpResponse> entry_answer(int status, Result<store::EntryRow> entry) {
  if (!entry) return std::move(entry).error();
  HttpResponse r = HttpResponse::json(status, entry_json(*entry));
  if (status == 201) r.header("Location", "/api/v1/entries/" + entry->id);
  return r;
}

Result<store::EntryFilter> entry_filter(const HttpRequest& request) {
  store::EntryFilter filter;
  auto from = time_param(request, "from", RangeEnd::kFrom);
  if (!from) return std::move(from).error();
  auto to = time_param(request, "to", RangeEnd::kTo);
  if (!to) return std::move(to).error();
  filter.from = std::move(from).value();
  filter.to = std::move(to).value();
  if (auto emotion = request.query_param("emotion")) {
    auto name = services::normalize_emotion_name(*emotion, "emotion");
    if (!name) return std::move(name).error();
    filter.emotion = std::move(name).value();
  }
  return filter;
}

// The handlers, one per route.
class EntriesApi {
 public:
  explicit EntriesApi(EntriesApiDeps deps) : journal_(*deps.journal), deadline_(deps.ai_deadline) {}

  Answer create(const Call& call) {
    auto analyze = bool_param(call.request, "analyze", true);
    if (!analyze) co_return std::move(analyze).error();
    auto body = JsonBody::parse(call.request);
    if (!body) co_return std::move(body).error();
    auto draft = entry_draft(*body);
    if (!draft) co_return std::move(draft).error();
    Result<store::EntryRow> entry =
        co_await journal_.create(context_for(call, deadline_), std::move(draft).value(), *analyze);
    co_return entry_answer(201, std::move(entry));
  }

  Answer list(const Call& call) {
    auto limit = page_limit(call.request);
    if (!limit) co_return std::move(limit).error();
    auto filter = entry_filter(call.request);
    if (!filter) co_return std::move(filter).error();
    auto page =
        journal_.list(call.user().user_id, *filter, *limit, call.request.query_param("cursor"));
    if (!page) co_return std::move(page).error();
    co_return HttpResponse::json(200, entry_page_json(*page));
  }

  Answer get(const Call& call) {
    auto entry = journal_.get(call.user().user_id, call.path_param("id"));
    co_return entry_answer(200, std::move(entry));
  }

  Answer update(const Call& call) {
    auto analyze = bool_param(call.request, "analyze", true);
    if (!analyze) co_return std::move(analyze).error();
    auto body = JsonBody::parse(call.request);
    if (!body) co_return std::move(body).error();
    auto change = entry_change(*body);
    if (!change) co_return std::move(change).error();
    Result<store::EntryRow> entry = co_await journal_.update(
        context_for(call, deadline_), call.path_param("id"), std::move(change).value(), *analyze);
    co_return entry_answer(200, std::move(entry));
  }

  Answer remove(const Call& call) {
    if (Status s = journal_.remove(call.user().user_id, call.path_param("id")); !s) {
      co_return std::move(s).error();
    }
    co_return HttpResponse::empty(204);
  }

  Answer analyze(const Call& call) {
    Result<store::EntryRow> entry =
        co_await journal_.analyze(context_for(call, deadline_), call.path_param("id"));
    co_return entry_answer(200, std::move(entry));
  }

  Answer scenarios(const Call& call) {
    auto body = JsonBody::parse_optional(call.request);
    if (!body) co_return std::move(body).error();
    auto count =
        body->optional_integer("count", services::kMinScenarioCount, services::kMaxScenarioCount);
    if (!count) co_return std::move(count).error();
    Result<std::vector<store::Scenario>> fresh = co_await journal_.regenerate_scenarios(
        context_for(call, deadline_), call.path_param("id"),
        static_cast<int>(count->value_or(journal_.default_scenario_count())));
    if (!fresh) co_return std::move(fresh).error();
    co_return HttpResponse::json(200, scenarios_json(*fresh));
  }

 private:
  services::JournalService& journal_;
  const std::chrono::milliseconds deadline_;
};

}  // namespace

void register_entries_api(Routes& routes, EntriesApiDeps deps) {
  auto api = std::make_shared<EntriesApi>(deps);
  const RoutePolicy read{.access = Access::kToken};
  const RoutePolicy write{.access = Access::kToken, .idempotency_key = true};
  routes.add(Method::kPost, "/api/v1/entries", write,
             [api](const Call& c) { return api->create(c); });
  routes.add(Method::kGet, "/api/v1/entries", read, [api](const Call& c) { return api->list(c); });
  routes.add(Method::kGet, "/api/v1/entries/{id}", read,
             [api](const Call& c) { return api->get(c); });
  routes.add(Method::kPatch, "/api/v1/entries/{id}", write,
             [api](const Call& c) { return api->update(c); });
  routes.add(Method::kDelete, "/api/v1/entries/{id}", read,
             [api](const Call& c) { return api->remove(c); });
  routes.add(Method::kPost, "/api/v1/entries/{id}/analysis", write,
             [api](const Call& c) { return api->analyze(c); });
  routes.add(Method::kPost, "/api/v1/entries/{id}/scenarios", write,
             [api](const Call& c) { return api->scenarios(c); });
}

}  // namespace moodgate::api
