#include "core/api/idempotent.h"

#include <rapidjson/document.h>

#include <memory>

#include "core/common/digest.h"
#include "core/common/json.h"
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

AsyncAuthedWork idempotent(services::IdempotencyService& keys, WorkerPool& pool,
                           AsyncAuthedWork work) {
  return [&keys, &pool, work = std::move(work)](
             const http::HttpRequest& request, const services::Principal& caller, Respond respond) {
    const auto key = request.header(kHeader);
    if (!key) {
      work(request, caller, std::move(respond));
      return;
    }
    if (!valid_key(*key)) {
      respond(Error::invalid_input(
          "Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is ideal)", kHeader));
      return;
    }
    const std::string hash = request_hash(request);
    auto claim = keys.claim(caller.user_id, *key, hash);
    if (!claim) {
      respond(std::move(claim).error());
      return;
    }
    using Outcome = store::IdempotencyClaim::Outcome;
    switch (claim->outcome) {
      case Outcome::kReplay:
        respond(replayed(claim->response));
        return;
      case Outcome::kMismatch:
        respond(Error(ErrorCode::kConflict,
                      "This Idempotency-Key was already used for a different request")
                    .with("field", kHeader));
        return;
      case Outcome::kBusy:
        respond(Error(ErrorCode::kConflict,
                      "A request with this Idempotency-Key is still running; retry shortly")
                    .with("field", kHeader));
        return;
      case Outcome::kClaimed:
        break;
    }
    const std::string request_id = request.request_id;
    auto record = [&keys, user_id = caller.user_id, key = *key, hash, request_id,
                   respond](Result<http::HttpResponse> result) {
      const http::HttpResponse answer =
          result.ok() ? result.value() : http::error_response(result.error(), request_id);
      if (replayable(answer.status)) {
        keys.complete(user_id, key, hash, stored(answer));
      } else {
        keys.release(user_id, key, hash);
      }
      respond(std::move(result));
    };
    // The answer may come on an AI client thread: record it on the pool.
    work(request, caller, [&pool, record](Result<http::HttpResponse> result) {
      auto shared = std::make_shared<Result<http::HttpResponse>>(std::move(result));
      auto job = [record, shared]() { record(std::move(*shared)); };
      if (!pool.submit_continuation(job)) job();
    });
  };
}

}  // namespace moodgate::api
