#include "core/api/visualizations_api.h"

#include <string>
#include <string_view>
#include <utility>

#include "core/api/json_body.h"
#include "core/api/query_params.h"
#include "core/api/visualization_json.h"
#include "core/http/etag.h"

namespace moodgate::api {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using http::Method;
using services::Principal;

constexpr const char* kImageCacheControl = "private, max-age=31536000, immutable";

Result<services::VisualizationRequest> visualization_request(const HttpRequest& request) {
  services::VisualizationRequest out;
  // No body at all is a request for the defaults; a body must be a JSON object.
  auto body = JsonBody::parse_optional(request);
  if (!body) return std::move(body).error();
  auto style = body->optional_string("style");
  if (!style) return std::move(style).error();
  auto aspect_ratio = body->optional_string("aspect_ratio");
  if (!aspect_ratio) return std::move(aspect_ratio).error();
  out.style = std::move(style).value();
  out.aspect_ratio = std::move(aspect_ratio).value();
  return out;
}

Result<HttpResponse> create(services::VisualizationService& service, const HttpRequest& request,
                            const Principal& caller) {
  auto input = visualization_request(request);
  if (!input) return std::move(input).error();
  auto created = service.create(caller.user_id, request.path_params.at("id"), *input);
  if (!created) return std::move(created).error();
  HttpResponse r = HttpResponse::json(202, visualization_json(*created));
  r.header("Location", "/api/v1/visualizations/" + created->id);
  return r;
}

Result<HttpResponse> list(services::VisualizationService& service, const HttpRequest& request,
                          const Principal& caller) {
  auto limit = page_limit(request);
  if (!limit) return std::move(limit).error();
  const auto entry_id = request.query_param("entry_id");
  if (entry_id && entry_id->empty()) {
    return Error::invalid_input("entry_id must not be empty", "entry_id");
  }
  auto page = service.list(caller.user_id, entry_id, *limit, request.query_param("cursor"));
  if (!page) return std::move(page).error();
  return HttpResponse::json(200, visualization_page_json(*page));
}

Result<HttpResponse> get(services::VisualizationService& service, const HttpRequest& request,
                         const Principal& caller) {
  auto found = service.get(caller.user_id, request.path_params.at("id"));
  if (!found) return std::move(found).error();
  return HttpResponse::json(200, visualization_json(*found));
}

Result<HttpResponse> remove(services::VisualizationService& service, const HttpRequest& request,
                            const Principal& caller) {
  auto removed = service.remove(caller.user_id, request.path_params.at("id"));
  if (!removed) return std::move(removed).error();
  return HttpResponse::empty(204);
}

Result<HttpResponse> image(services::VisualizationService& service, const HttpRequest& request,
                           const Principal& caller) {
  auto stored = service.image(caller.user_id, request.path_params.at("id"));
  if (!stored) return std::move(stored).error();
  const std::string etag = "\"" + stored->sha256 + "\"";
  const auto if_none_match = request.header("If-None-Match");
  HttpResponse r;
  if (http::if_none_match_matches(if_none_match, etag)) {
    r = HttpResponse::empty(304);
  } else {
    r.status = 200;
    r.content_type = stored->mime_type;
    r.body = std::move(stored->bytes);
  }
  r.header("ETag", etag);
  r.header("Cache-Control", kImageCacheControl);
  return r;
}

}  // namespace

void register_visualizations_api(Routes& routes, VisualizationsApiDeps deps) {
  services::VisualizationService* service = deps.visualizations;
  const RoutePolicy read{.access = Access::kToken};
  // Each route's work is one short database step: the coroutine only wraps it.
  auto plain = [service](Result<HttpResponse> (*work)(services::VisualizationService&,
                                                      const HttpRequest&, const Principal&)) {
    return
        [service, work](const Call& c) { return answer_now(work(*service, c.request, c.user())); };
  };
  routes.add(Method::kPost, "/api/v1/entries/{id}/visualizations",
             {.access = Access::kToken, .idempotency_key = true}, plain(create));
  routes.add(Method::kGet, "/api/v1/visualizations", read, plain(list));
  routes.add(Method::kGet, "/api/v1/visualizations/{id}", read, plain(get));
  routes.add(Method::kDelete, "/api/v1/visualizations/{id}", read, plain(remove));
  routes.add(Method::kGet, "/api/v1/visualizations/{id}/image", read, plain(image));
}

}  // namespace moodgate::api
