#include "core/services/rate_limiter.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

#include "core/common/time_format.h"
#include "core/store/rate_limit_repository.h"

namespace moodgate::services {
namespace {

struct Window {
  std::int64_t start = 0;
  std::int64_t end = 0;
};

Window window_at(const config::RateLimitRule& rule, std::int64_t now_s) {
  const std::int64_t start = now_s - (now_s % rule.window_s);
  return {start, start + rule.window_s};
}

RateDecision decide(const config::RateLimitRule& rule, const Window& window, long long count,
                    std::int64_t now_s) {
  RateDecision d;
  d.limit = rule.limit;
  d.allowed = count <= rule.limit;
  d.remaining = static_cast<int>(std::max<long long>(0, rule.limit - count));
  d.reset_after_s = static_cast<int>(std::max<std::int64_t>(1, window.end - now_s));
  return d;
}

RateDecision unlimited() {
  return RateDecision{true, 0, 0, 0};
}

}  // namespace

std::string client_bucket(std::string_view scope, std::string_view client_ip) {
  std::string key(scope);
  key += ':';
  std::array<unsigned char, 16> v6{};
  const std::string ip(client_ip);
  if (ip.find(':') != std::string::npos && inet_pton(AF_INET6, ip.c_str(), v6.data()) == 1) {
    std::fill(v6.begin() + 8, v6.end(), 0);  // keep the /64
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(AF_INET6, v6.data(), text, sizeof text);
    return key + text + "/64";
  }
  return key + ip;
}

Error rate_limited_error(const RateDecision& decision, std::string_view what) {
  Error e(ErrorCode::kRateLimited, "Too many " + std::string(what) + "; try again in " +
                                       std::to_string(decision.reset_after_s) + " s");
  e.with("retry_after_s", static_cast<long long>(decision.reset_after_s));
  e.with("limit", static_cast<long long>(decision.limit));
  return e;
}

RateDecision RateLimiter::hit_on(soci::session& sql, const std::string& bucket,
                                 const config::RateLimitRule& rule, std::int64_t now_s) {
  if (!rule.enabled()) return unlimited();
  const Window window = window_at(rule, now_s);
  store::RateLimitRepository counters(sql);
  const long long count =
      counters.add(bucket, window.start, 1, format_rfc3339_ms(from_unix_seconds(window.end)));
  return decide(rule, window, count, now_s);
}

RateDecision RateLimiter::peek_on(soci::session& sql, const std::string& bucket,
                                  const config::RateLimitRule& rule, std::int64_t now_s) {
  if (!rule.enabled()) return unlimited();
  const Window window = window_at(rule, now_s);
  store::RateLimitRepository counters(sql);
  return decide(rule, window, counters.count(bucket, window.start) + 1, now_s);
}

Result<RateDecision> RateLimiter::hit(const std::string& bucket, const config::RateLimitRule& rule,
                                      std::int64_t now_s) {
  if (!rule.enabled()) return unlimited();
  return db_.run("rate_limit.hit",
                 [&](soci::session& sql) { return hit_on(sql, bucket, rule, now_s); });
}

Result<RateDecision> RateLimiter::peek(const std::string& bucket, const config::RateLimitRule& rule,
                                       std::int64_t now_s) {
  if (!rule.enabled()) return unlimited();
  return db_.run("rate_limit.peek",
                 [&](soci::session& sql) { return peek_on(sql, bucket, rule, now_s); });
}

}  // namespace moodgate::services
