// Application: the gateway assembled from its configuration — database, migrations, worker
// pool, routes, HTTP server — and its lifecycle (start, drain on SIGTERM/SIGINT, stop).
//
// This is where the layers meet; nothing below it knows about the others. Not thread-safe:
// one controlling thread (main, or a test) drives it, except reload_providers(), which may also
// run on the config watcher's thread (serialised with SIGHUP by the caller; thread-safe
// against calls in flight).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/api/routes.h"
#include "core/common/result.h"
#include "core/config/config.h"
#include "core/http/http_types.h"

namespace moodgate::ai {
class AiCaller;
}

namespace moodgate::app {

class Application {
 public:
  // Opens the database, applies migrations (database.migrate_on_start) and builds the server.
  static Result<std::unique_ptr<Application>> create(const config::Config& config);
  ~Application();

  // Starts listening; the port is known afterwards.
  Status start();
  std::uint16_t port() const;
  // Loads and checks `providers` and, if all is well, makes it the set new calls use (calls in
  // flight keep theirs). On any error the current set stays and the reason is logged.
  Status reload_providers(const config::ProvidersConfig& providers);

  // The engine behind every AI call (the journal API's, and POST /debug/ai/...).
  ai::AiCaller& ai_caller();

  // Every route served, as (method, pattern).
  const std::vector<std::pair<http::Method, std::string>>& routes() const;
  // Every route with its policy (who may call, Idempotency-Key, where it runs).
  const std::vector<api::RouteInfo>& route_table() const;

  // Drains (new requests 503, in-flight ones finish within server.shutdown_grace_ms) and stops.
  // Returns true when every in-flight request finished in time.
  bool shutdown();

 private:
  struct Impl;
  explicit Application(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (call before any thread starts, so
// every thread inherits the mask) and returns when SIGTERM or SIGINT arrives.
void block_shutdown_signals();
// SIGHUP in between calls `on_reload` and keeps waiting.
int wait_for_shutdown_signal(const std::function<void()>& on_reload = {});

}  // namespace moodgate::app
