#include "core/api/entries_api.h"

#include "core/api/authenticated.h"
#include "core/api/entry_json.h"
#include "core/api/idempotent.h"
#include "core/api/json_body.h"
#include "core/api/query_params.h"
#include "core/services/entry_rules.h"

namespace moodgate::api {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using http::Method;
using services::Principal;

services::CallContext context_for(const HttpRequest& request, const Principal& caller,
                                  std::chrono::milliseconds ai_deadline) {
  return {caller.user_id, request.request_id, request.received_at + ai_deadline};
}

const std::string& entry_id(const HttpRequest& request) {
  return request.path_params.at("id");
}

// Answers `status` with the entry, or the error.
services::Reply<store::EntryRow> entry_reply(int status, Respond respond) {
  return [status, respond = std::move(respond)](Result<store::EntryRow> entry) {
    if (!entry) {
      respond(std::move(entry).error());
      return;
    }
    HttpResponse r = HttpResponse::json(status, entry_json(*entry));
    if (status == 201) r.header("Location", "/api/v1/entries/" + entry->id);
    respond(std::move(r));
  };
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

}  // namespace

void register_entries_api(http::Router& router, EntriesApiDeps deps) {
  WorkerPool& pool = *deps.pool;
  services::AuthService& auth = *deps.auth;
  services::JournalService& journal = *deps.journal;
  services::IdempotencyService& keys = *deps.idempotency;
  const std::chrono::milliseconds deadline = deps.ai_deadline;

  // Authenticated, and idempotent under an Idempotency-Key.
  auto write = [&](AsyncAuthedWork work) {
    return authenticated_async(pool, auth, idempotent(keys, pool, std::move(work)));
  };

  router.add(
      Method::kPost, "/api/v1/entries",
      write([&journal, deadline](const HttpRequest& req, const Principal& caller, Respond respond) {
        auto analyze = bool_param(req, "analyze", true);
        if (!analyze) return respond(std::move(analyze).error());
        auto body = JsonBody::parse(req);
        if (!body) return respond(std::move(body).error());
        auto draft = entry_draft(*body);
        if (!draft) return respond(std::move(draft).error());
        journal.create(context_for(req, caller, deadline), std::move(draft).value(), *analyze,
                       entry_reply(201, std::move(respond)));
      }));

  router.add(
      Method::kGet, "/api/v1/entries",
      authenticated(
          pool, auth,
          [&journal](const HttpRequest& req, const Principal& caller) -> Result<HttpResponse> {
            auto limit = page_limit(req);
            if (!limit) return std::move(limit).error();
            auto filter = entry_filter(req);
            if (!filter) return std::move(filter).error();
            auto page = journal.list(caller.user_id, *filter, *limit, req.query_param("cursor"));
            if (!page) return std::move(page).error();
            return HttpResponse::json(200, entry_page_json(*page));
          }));

  router.add(Method::kGet, "/api/v1/entries/{id}",
             authenticated(pool, auth,
                           [&journal](const HttpRequest& req,
                                      const Principal& caller) -> Result<HttpResponse> {
                             auto entry = journal.get(caller.user_id, entry_id(req));
                             if (!entry) return std::move(entry).error();
                             return HttpResponse::json(200, entry_json(*entry));
                           }));

  router.add(
      Method::kPatch, "/api/v1/entries/{id}",
      write([&journal, deadline](const HttpRequest& req, const Principal& caller, Respond respond) {
        auto analyze = bool_param(req, "analyze", true);
        if (!analyze) return respond(std::move(analyze).error());
        auto body = JsonBody::parse(req);
        if (!body) return respond(std::move(body).error());
        auto change = entry_change(*body);
        if (!change) return respond(std::move(change).error());
        journal.update(context_for(req, caller, deadline), entry_id(req), std::move(change).value(),
                       *analyze, entry_reply(200, std::move(respond)));
      }));

  router.add(Method::kDelete, "/api/v1/entries/{id}",
             authenticated(pool, auth,
                           [&journal](const HttpRequest& req,
                                      const Principal& caller) -> Result<HttpResponse> {
                             if (Status s = journal.remove(caller.user_id, entry_id(req)); !s) {
                               return std::move(s).error();
                             }
                             return HttpResponse::empty(204);
                           }));

  router.add(
      Method::kPost, "/api/v1/entries/{id}/analysis",
      write([&journal, deadline](const HttpRequest& req, const Principal& caller, Respond respond) {
        journal.analyze(context_for(req, caller, deadline), entry_id(req),
                        entry_reply(200, std::move(respond)));
      }));

  router.add(
      Method::kPost, "/api/v1/entries/{id}/scenarios",
      write([&journal, deadline](const HttpRequest& req, const Principal& caller, Respond respond) {
        auto body = JsonBody::parse_optional(req);
        if (!body) return respond(std::move(body).error());
        auto count = body->optional_integer("count", services::kMinScenarioCount,
                                            services::kMaxScenarioCount);
        if (!count) return respond(std::move(count).error());
        journal.regenerate_scenarios(
            context_for(req, caller, deadline), entry_id(req),
            static_cast<int>(count->value_or(journal.default_scenario_count())),
            [respond = std::move(respond)](Result<std::vector<store::Scenario>> s) {
              if (!s) return respond(std::move(s).error());
              respond(HttpResponse::json(200, scenarios_json(*s)));
            });
      }));
}

}  // namespace moodgate::api
