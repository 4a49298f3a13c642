// The Idempotency-Key header of API.md around an authenticated write (routes.h applies it to
// the routes whose policy says so).
//
// Without the header the handler runs as is. With it (1..255 visible ASCII characters, else
// 400 naming "Idempotency-Key"), the first request with a key runs and its answer is recorded;
// a repeat of the same request (method, path, query and body) from the same user within the
// TTL gets that answer again, with `Idempotent-Replayed: true`, and nothing runs twice. The
// same key on another request is 409 CONFLICT, and so is a repeat while the first still runs.
// Answers a retry could change are not recorded and free the key: 5xx, 408 and 429, and a
// handler that threw.
#pragma once

#include "core/api/routes.h"
#include "core/services/idempotency_service.h"

namespace moodgate::api {

// Runs `handler` for `call` under the rules above. Call on a pool thread (the keys are in the
// database).
async::Task<Result<http::HttpResponse>> run_idempotent(services::IdempotencyService& keys,
                                                       const Call& call,
                                                       const RouteHandler& handler);

}  // namespace moodgate::api
