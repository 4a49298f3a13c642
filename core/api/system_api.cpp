#include "core/api/system_api.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "core/common/json.h"
#include "core/http/error_envelope.h"
#include "moodgate/build_info.h"

namespace moodgate::api {
namespace {

using http::HttpResponse;

std::string compiler_string() {
#if defined(__clang__)
  return std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  return "g++ " + std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
         std::to_string(__GNUC_PATCHLEVEL__);
#else
  return "unknown";
#endif
}

// 200 {"status":"ready","checks":{...}} or 503 envelope naming the failed checks.
Result<HttpResponse> readiness(const SystemApiDeps& deps, const std::string& request_id) {
  std::vector<std::pair<std::string, std::string>> failures;
  if (deps.draining && deps.draining()) failures.emplace_back("server", "draining for shutdown");
  for (const auto& check : deps.checks) {
    Status s = check.run();
    if (!s.ok()) failures.emplace_back(check.name, s.error().message);
  }
  if (failures.empty()) {
    return HttpResponse::json(200, json::build([&](json::Writer& w) {
                                w.StartObject();
                                json::key(w, "status");
                                w.String("ready");
                                json::key(w, "checks");
                                w.StartObject();
                                for (const auto& check : deps.checks) {
                                  json::key(w, check.name);
                                  w.String("ok");
                                }
                                w.EndObject();
                                w.EndObject();
                              }));
  }
  std::string message = "Not ready:";
  Error e(ErrorCode::kUnavailable, "");
  for (const auto& [name, why] : failures) {
    message.append(" ").append(name).append(" (").append(why).append(")");
    e.with(name, why);
  }
  e.message = message;
  HttpResponse r = http::error_response(e, request_id);
  r.header("Retry-After", "1");
  return r;
}

// GET /debug/sleep?ms=N: blocks this thread for N ms (0..60000).
Result<HttpResponse> debug_sleep(const http::HttpRequest& request) {
  long ms = 0;
  try {
    ms = std::stol(request.query_param("ms").value_or("0"));
  } catch (const std::exception&) {
    return Error::invalid_input("ms must be an integer", "ms");
  }
  if (ms < 0 || ms > 60000) return Error::invalid_input("ms must be between 0 and 60000", "ms");
  spdlog::info("debug sleep started: {} ms", ms);  // tests wait for this line
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return HttpResponse::json(200, R"({"slept_ms":)" + std::to_string(ms) + "}");
}

}  // namespace

std::string version_json(const std::vector<PluginInfo>& plugins) {
  return json::build([&](json::Writer& w) {
    w.StartObject();
    json::key(w, "name");
    w.String(build::kName);
    json::key(w, "version");
    w.String(build::kVersion);
    json::key(w, "api_version");
    w.String(build::kApiVersion);
    json::key(w, "build");
    w.StartObject();
    json::key(w, "git_sha");
    w.String(build::kGitSha);
    json::key(w, "compiler");
    json::string(w, compiler_string());
    w.EndObject();
    json::key(w, "plugins");
    w.StartArray();
    for (const PluginInfo& p : plugins) {
      w.StartObject();
      json::key(w, "name");
      json::string(w, p.name);
      json::key(w, "version");
      json::string(w, p.version);
      json::key(w, "abi");
      w.Uint(p.abi);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  });
}

void register_system_api(Routes& routes, SystemApiDeps deps) {
  routes.add_immediate(http::Method::kGet, "/health", [](const http::HttpRequest&) {
    return HttpResponse::json(200, R"({"status":"ok"})");
  });

  auto shared = std::make_shared<SystemApiDeps>(std::move(deps));
  // The checks may block (a database ping): on the pool.
  routes.add(
      http::Method::kGet, "/health/ready", {.access = Access::kPublic},
      [shared](const Call& c) { return answer_now(readiness(*shared, c.request.request_id)); });

  // Built per request: the plugins change when the providers are reloaded.
  routes.add_immediate(http::Method::kGet, "/version", [shared](const http::HttpRequest&) {
    return HttpResponse::json(
        200, version_json(shared->plugins ? shared->plugins() : std::vector<PluginInfo>{}));
  });

  if (shared->debug_endpoints) {
    // Holds a pool thread for ?ms= milliseconds (<= 60 s): lets tests observe graceful
    // shutdown and a full pool.
    routes.add(http::Method::kGet, "/debug/sleep", {.access = Access::kPublic},
               [](const Call& c) { return answer_now(debug_sleep(c.request)); });
  }
}

}  // namespace moodgate::api
