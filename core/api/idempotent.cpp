#include "core/api/idempotent.h"

#include <rapidjson/document.h>

#include <optional>

#include "core/common/digest.h"
#include "core/common/json.h"
#include "core/common/threads.h"
#include "core/http/error_envelope.h"
#include "moodgate/json.h"

namespace moodgate::api {
namespace {

constexpr std::size_t kMaxKeyLength = 255;
constexpr const char* kHeader = "Idempotency-Key";

bool valid_key(const std::string& key) {
  if (key.empty() || key.size() > kMaxKeyLength) return false;
  for (char c : key) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

// Method, path, query (sorted by the map) and body: what makes two requests "the same".
std::string request_hash(const http::HttpRequest& request) {
  std::string query;
  for (const auto& [name, value] : request.query) {
    query += digest::sha256_hex_of_parts({name, value});
  }
  return digest::sha256_hex_of_parts(
      {http::method_name(request.method), request.path, query, request.body});
}

bool replayable(int status) {
  return status < 500 && status != 408 && status != 429;
}

store::StoredResponse stored(const http::HttpResponse& response) {
  store::StoredResponse out;
  out.status = response.status;
  out.body = response.body;
  out.headers_json = json::build([&](json::Writer& w) {
    w.StartObject();
    json::key(w, "Content-Type");
    json::string(w, response.content_type);
    for (const auto& [name, value] : response.headers) {
      json::key(w, name);
      json::string(w, value);
    }
    w.EndObject();
  });
  return out;
}

http::HttpResponse replayed(const store::StoredResponse& s) {
  http::HttpResponse r;
  r.status = s.status;
  r.body = s.body;
  r.content_type.clear();
  rapidjson::Document headers;
  if (!sdk::parse_json(s.headers_json, headers) && headers.IsObject()) {
    for (const auto& h : headers.GetObject()) {
      if (!h.value.IsString()) continue;
      const std::string name = h.name.GetString();
      if (name == "Content-Type") {
        r.content_type = h.value.GetString();
      } else {
        r.header(name, h.value.GetString());
      }
    }
  }
  r.header("Idempotent-Replayed", "true");
  return r;
}

}  // namespace

async::Task<Result<http::HttpResponse>> run_idempotent(services::IdempotencyService& keys,
                                                       const Call& call,
                                                       const RouteHandler& handler) {
  MG_EXPECT_MAY_BLOCK();
  const http::HttpRequest& request = call.request;
  const auto key = request.header(kHeader);
  if (!key) {
    Result<http::HttpResponse> answer = co_await handler(call);
    co_return answer;
  }
  if (!valid_key(*key)) {
    co_return Error::invalid_input(
        "Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is ideal)", kHeader);
  }
  const std::string& user_id = call.user().user_id;
  const std::string hash = request_hash(request);
  auto claim = keys.claim(user_id, *key, hash);
  if (!claim) co_return std::move(claim).error();
  using Outcome = store::IdempotencyClaim::Outcome;
  switch (claim->outcome) {
    case Outcome::kReplay:
      co_return replayed(claim->response);
    case Outcome::kMismatch:
      co_return Error(ErrorCode::kConflict,
                      "This Idempotency-Key was already used for a different request")
          .with("field", kHeader);
    case Outcome::kBusy:
      co_return Error(ErrorCode::kConflict,
                      "A request with this Idempotency-Key is still running; retry shortly")
          .with("field", kHeader);
    case Outcome::kClaimed:
      break;
  }
  std::optional<Result<http::HttpResponse>> answer;
  try {
    Result<http::HttpResponse> result = co_await handler(call);
    answer.emplace(std::move(result));
  } catch (...) {
    keys.release(user_id, *key, hash);  // nothing was answered: a retry may run it
    throw;
  }
  const http::HttpResponse sent =
      answer->ok() ? answer->value() : http::error_response(answer->error(), request.request_id);
  if (replayable(sent.status)) {
    keys.complete(user_id, *key, hash, stored(sent));
  } else {
    keys.release(user_id, *key, hash);
  }
  co_return std::move(*answer);
}

}  // namespace moodgate::api
