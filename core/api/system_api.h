// System endpoints (no auth): GET /health, GET /health/ready, GET /version, and, when
// server.debug_endpoints is on, GET /debug/sleep?ms=N (a slow request for drain tests).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/api/routes.h"
#include "core/common/result.h"

namespace moodgate::api {

// One thing readiness depends on (the database now; providers later). `run` may block: it is
// called on the worker pool.
struct ReadinessCheck {
  std::string name;
  std::function<Status()> run;
};

// A provider plugin in use, as GET /version shows it.
struct PluginInfo {
  std::string name;
  std::string version;  // "" when the plugin exports none
  std::uint32_t abi = 0;
};

struct SystemApiDeps {
  std::vector<ReadinessCheck> checks;
  std::function<bool()> draining;  // true while shutting down: ready answers 503
  bool debug_endpoints = false;
  std::function<std::vector<PluginInfo>()> plugins;  // the plugins serving now
};

// Registers the system routes on `router`.
void register_system_api(Routes& routes, SystemApiDeps deps);

// The body of GET /version for the plugins now in use.
std::string version_json(const std::vector<PluginInfo>& plugins = {});

}  // namespace moodgate::api
