#include "core/http/access_log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <ctime>

#include "core/common/json.h"

namespace moodgate::http {
namespace {

std::atomic<bool> g_enabled{true};

std::string rfc3339_now() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

std::shared_ptr<spdlog::logger> access_logger() {
  // A plain "%v" pattern: the line is already complete JSON.
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = std::make_shared<spdlog::logger>("access",
                                              std::make_shared<spdlog::sinks::stdout_sink_mt>());
    l->set_pattern("%v");
    l->set_level(spdlog::level::info);
    l->flush_on(spdlog::level::info);
    return l;
  }();
  return logger;
}

}  // namespace

std::string access_log_line(const AccessRecord& r) {
  return json::build([&](json::Writer& w) {
    w.StartObject();
    json::key(w, "time");
    json::string(w, rfc3339_now());
    json::key(w, "type");
    w.String("access");
    json::key(w, "request_id");
    json::string(w, r.request_id);
    json::key(w, "method");
    json::string(w, r.method);
    json::key(w, "route");
    json::string(w, r.route);
    json::key(w, "client");
    json::string(w, r.client);
    json::key(w, "status");
    w.Int(r.status);
    json::key(w, "duration_ms");
    w.Double(static_cast<double>(static_cast<long long>(r.duration_ms * 1000)) / 1000.0);
    json::key(w, "bytes");
    w.Uint64(r.bytes);
    w.EndObject();
  });
}

void write_access_log(const AccessRecord& record) {
  if (!g_enabled.load(std::memory_order_relaxed)) return;
  access_logger()->info(access_log_line(record));
}

void set_access_log_enabled(bool enabled) {
  g_enabled.store(enabled);
}

}  // namespace moodgate::http
