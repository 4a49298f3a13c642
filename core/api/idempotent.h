// idempotent(): the Idempotency-Key header of API.md around an authenticated write.
//
// Without the header the work runs as is. With it (1..255 visible ASCII characters, else 400
// naming "Idempotency-Key"), the first request with a key runs and its answer is recorded;
// a repeat of the same request (method, path, query and body) from the same user within the
// TTL gets that answer again, with `Idempotent-Replayed: true`, and nothing runs twice. The
// same key on another request is 409 CONFLICT, and so is a repeat while the first still runs.
// Answers a retry could change are not recorded and free the key: 5xx, 408 and 429.
#pragma once

#include "core/api/authenticated.h"
#include "core/common/worker_pool.h"
#include "core/services/idempotency_service.h"

namespace moodgate::api {

// `pool` records answers that arrive on other threads (after an AI call).
AsyncAuthedWork idempotent(services::IdempotencyService& keys, WorkerPool& pool,
                           AsyncAuthedWork work);

}  // namespace moodgate::api
