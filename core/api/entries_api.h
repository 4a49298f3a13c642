// The entries endpoints of API.md: POST/GET /api/v1/entries, GET/PATCH/DELETE
// /api/v1/entries/{id}, POST /api/v1/entries/{id}/analysis and .../scenarios. Bodies and
// query parameters are validated here (400 naming the field); the meaning lives in
// services::JournalService. The writes take an Idempotency-Key.
#pragma once

#include <chrono>

#include "core/api/routes.h"
#include "core/services/journal_service.h"

namespace moodgate::api {

struct EntriesApiDeps {
  services::JournalService* journal = nullptr;
  // How long AI work for one request may take (a little under server.request_timeout_ms).
  std::chrono::milliseconds ai_deadline{60000};
};

void register_entries_api(Routes& routes, EntriesApiDeps deps);

}  // namespace moodgate::api
