// System endpoints (no auth): GET /health, GET /health/ready, GET /version, and, when
// server.debug_endpoints is on, GET /debug/sleep?ms=N (a slow request for drain tests).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/common/worker_pool.h"
#include "core/http/router.h"

namespace moodgate::api {

// One thing readiness depends on (the database now; providers later). `run` may block: it is
// called on the worker pool.
struct ReadinessCheck {
  std::string name;
  std::function<Status()> run;
};

struct SystemApiDeps {
  WorkerPool* pool = nullptr;
  std::vector<ReadinessCheck> checks;
  std::function<bool()> draining;  // true while shutting down: ready answers 503
  bool debug_endpoints = false;
};

// Registers the system routes on `router`.
void register_system_api(http::Router& router, SystemApiDeps deps);

// The body of GET /version (also printed by `moodgate --version --json`).
std::string version_json();

}  // namespace moodgate::api
