#include "core/config/config_schema.h"

#include <optional>
#include <string>

#include "core/config/option_limits.h"
#include "core/config/providers_schema.h"

namespace moodgate::config {
namespace {

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = 1024 * kKiB;

std::optional<std::string> wildcard_stands_alone(const std::vector<std::string>& origins) {
  if (origins.size() > 1) {
    for (const std::string& origin : origins) {
      if (origin == "*") return "\"*\" allows every origin, so it must be the only entry";
    }
  }
  return std::nullopt;
}

SectionSpec server_section() {
  using S = ServerConfig;
  return flat_section<S>(
      "server", "the HTTP listener", &Config::server,
      {
          text_option<S>("host", "address to listen on (0.0.0.0 = every IPv4 interface)", &S::host,
                         TextRule{.expected = "a host name or IP address"}),
          integer_option<S>("port", "TCP port; 0 picks a free port", &S::port, 0, 65535),
          integer_option<S>("io_threads", "Pistache event-loop threads", &S::io_threads, 1,
                            kMaxThreads),
          integer_option<S>("worker_threads",
                            "threads running request handlers (database work included)",
                            &S::worker_threads, 1, kMaxThreads),
          integer_option<S>("worker_queue_limit",
                            "requests waiting for a worker beyond this get 503",
                            &S::worker_queue_limit, 1, 1'000'000),
          byte_size_option<S>("max_body_bytes", "larger request bodies are answered with 413",
                              &S::max_body_bytes, 1, 1024 * kMiB),
          byte_size_option<S>("max_header_bytes", "allowance for the request line and headers",
                              &S::max_header_bytes, 1 * kKiB, 64 * kKiB),
          byte_size_option<S>("max_url_bytes", "longer request targets are answered with 414",
                              &S::max_url_bytes, 256, 64 * kKiB),
          integer_option<S>("max_header_count", "more header fields are answered with 431",
                            &S::max_header_count, 8, 10'000),
          integer_option<S>("header_timeout_ms", "time a client may take to send its request",
                            &S::header_timeout_ms, 1, kMaxTimeoutMs),
          integer_option<S>("keepalive_timeout_ms", "idle keep-alive connections close after this",
                            &S::keepalive_timeout_ms, 1, kMaxTimeoutMs),
          integer_option<S>("send_timeout_ms", "a client not reading its answer is dropped after",
                            &S::send_timeout_ms, 1, kMaxTimeoutMs),
          integer_option<S>("max_connections", "open client connections; more are refused (503)",
                            &S::max_connections, 1, 1'000'000),
          integer_option<S>("request_timeout_ms", "time from receiving a request to answering it",
                            &S::request_timeout_ms, 1, kMaxTimeoutMs),
          integer_option<S>("shutdown_grace_ms", "how long SIGTERM waits for in-flight requests",
                            &S::shutdown_grace_ms, 1, kMaxTimeoutMs),
          text_list_option<S>("cors_allowed_origins", "origins allowed by CORS; empty = CORS off",
                              &S::cors_allowed_origins, "a list of origins",
                              TextRule{.expected = "\"*\" or an origin scheme://host[:port] "
                                                   "(lower case, no path)",
                                       .accepts = is_cors_origin},
                              wildcard_stands_alone),
          integer_option<S>("cors_max_age_s", "Access-Control-Max-Age on preflight answers",
                            &S::cors_max_age_s, 0, 86'400),
          text_list_option<S>("trusted_proxies", "peers whose X-Forwarded-For is believed",
                              &S::trusted_proxies, "a list of IP addresses or CIDR ranges",
                              TextRule{.expected = "an IP address or CIDR range (e.g. 10.0.0.0/8)",
                                       .accepts = is_ip_or_cidr}),
          boolean_option<S>("debug_endpoints", "serve GET /debug/sleep; never in production",
                            &S::debug_endpoints),
      });
}

SectionSpec database_section() {
  using S = DatabaseConfig;
  return flat_section<S>(
      "database", "where users, entries and jobs are stored", &Config::database,
      {
          required(text_option<S>(
              "url", "sqlite:///relative/path.db or postgresql://user:pass@host:port/db", &S::url,
              TextRule{.expected = "sqlite:///path/to/file.db or "
                                   "postgresql://user:password@host:port/database",
                       .accepts = is_database_url,
                       .visibility = Visibility::kUrlWithSecret})),
          integer_option<S>("pool_size", "database sessions held open", &S::pool_size, 1, 1000),
          integer_option<S>("acquire_timeout_ms", "wait for a free session before answering 503",
                            &S::acquire_timeout_ms, 1, kMaxTimeoutMs),
          integer_option<S>("busy_timeout_ms", "SQLite: wait on a locked database",
                            &S::busy_timeout_ms, 1, kMaxTimeoutMs),
          integer_option<S>("connect_timeout_s", "PostgreSQL: libpq connect_timeout",
                            &S::connect_timeout_s, 1, kMaxTimeoutS),
          boolean_option<S>("migrate_on_start", "apply pending migrations when `serve` starts",
                            &S::migrate_on_start),
      });
}

// Empty is allowed (see AuthConfig::jwt_secret); auth/jwt_secret.h judges strength at start.
bool empty_or_long_enough_for_hmac(std::string_view secret) {
  return secret.empty() || secret.size() >= 32;
}

SectionSpec auth_section() {
  using S = AuthConfig;
  constexpr int kDay = 86'400;
  return flat_section<S>(
      "auth", "accounts, access tokens and password hashing", &Config::auth,
      {
          text_option<S>("jwt_secret", "HMAC-SHA256 key for access tokens (from the environment)",
                         &S::jwt_secret,
                         TextRule{.expected = "at least 32 bytes (e.g. openssl rand -base64 48)",
                                  .allow_empty = true,
                                  .accepts = empty_or_long_enough_for_hmac,
                                  .visibility = Visibility::kSecret}),
          text_option<S>("jwt_secret_file", "SQLite only: key file used (or made) when no secret",
                         &S::jwt_secret_file,
                         TextRule{.expected = "a file path", .allow_empty = true}),
          text_option<S>("issuer", "the iss claim written and required", &S::issuer,
                         TextRule{.expected = "a non-empty string"}),
          text_option<S>("audience", "the aud claim written and required", &S::audience,
                         TextRule{.expected = "a non-empty string"}),
          integer_option<S>("access_token_ttl_s", "seconds an access token is valid",
                            &S::access_token_ttl_s, 60, 3600),
          integer_option<S>("refresh_token_ttl_s", "seconds a refresh token is valid",
                            &S::refresh_token_ttl_s, 3600, 365 * kDay),
          integer_option<S>("clock_skew_s", "tolerance on token times between machines",
                            &S::clock_skew_s, 0, 300),
          integer_option<S>("revocation_cache_ms", "how stale a cached revocation check may be",
                            &S::revocation_cache_ms, 0, 5000),
          integer_option<S>("password_ops_limit", "argon2id passes per hash",
                            &S::password_ops_limit, 1, 100),
          byte_size_option<S>("password_mem_limit", "argon2id memory per hash",
                              &S::password_mem_limit, 8 * kKiB, 4096 * kMiB),
          integer_option<S>("password_max_concurrent", "password hashes running at once",
                            &S::password_max_concurrent, 1, kMaxThreads),
          integer_option<S>("password_queue_timeout_ms", "wait for a hashing slot before 503",
                            &S::password_queue_timeout_ms, 1, kMaxTimeoutMs),
      });
}

SectionSpec rate_limits_section() {
  using S = RateLimitsConfig;
  return flat_section<S>(
      "rate_limits", "limits on sign-up and sign-in, shared by every instance",
      &Config::rate_limits,
      {
          boolean_option<S>("enabled", "false turns every limit below off", &S::enabled),
          rate_option<S>("register_per_ip", "registrations per client address",
                         &S::register_per_ip),
          rate_option<S>("login_per_ip", "login attempts per client address", &S::login_per_ip),
          rate_option<S>("login_failures_per_account", "failed logins per account",
                         &S::login_failures_per_account),
      });
}

// A reservation outlives the call it counts, or a call still running would be refunded and so
// cost nothing. Request-driven calls end within server.request_timeout_ms.
void reservations_outlive_requests(const Config& config, Problems& problems) {
  const long long ttl_ms = 1000LL * config.quotas.reservation_ttl_s;
  if (ttl_ms > config.server.request_timeout_ms) return;
  problems.add("quotas.reservation_ttl_s",
               "must be longer than server.request_timeout_ms (" +
                   std::to_string(config.server.request_timeout_ms) +
                   " ms), or the reservation of a call still running is refunded; got " +
                   std::to_string(config.quotas.reservation_ttl_s));
}

SectionSpec quotas_section() {
  using S = QuotasConfig;
  using L = QuotaLimits;
  SectionSpec spec = flat_section<S>(
      "quotas", "per-user AI quotas, shared by every instance", &Config::quotas,
      {
          boolean_option<S>("enabled", "false: no AI call is counted or refused", &S::enabled),
          nested_option<S, L>(
              "per_user", "each user's limits unless an operator overrides them", &S::per_user,
              {
                  rate_option<L>("analysis", "analysis calls per user", &L::analysis),
                  rate_option<L>("scenarios", "scenarios calls per user", &L::scenarios),
                  rate_option<L>("summary", "summary calls per user", &L::summary),
                  rate_option<L>("image", "image calls per user", &L::image),
                  spend_option<L>("spend_usd", "estimated cost of a user's calls", &L::spend_usd),
              }),
          integer_option<S>("reservation_ttl_s",
                            "a reservation not settled by then is refunded (its instance died)",
                            &S::reservation_ttl_s, 1, 7 * 86'400),
      });
  spec.check = reservations_outlive_requests;
  return spec;
}

SectionSpec journal_section() {
  using S = JournalConfig;
  constexpr int kYear = 365 * 86'400;
  return flat_section<S>(
      "journal", "entries, their analysis and scenarios, idempotent writes, insights",
      &Config::journal,
      {
          integer_option<S>("scenario_count", "scenarios made for a new entry", &S::scenario_count,
                            1, 10),
          integer_option<S>("analysis_cache_ttl_s", "seconds an identical analysis is reused",
                            &S::analysis_cache_ttl_s, 0, kYear),
          integer_option<S>("idempotency_ttl_s", "seconds an Idempotency-Key replays its answer",
                            &S::idempotency_ttl_s, 60, 7 * 86'400),
          integer_option<S>("summary_max_entries", "newest entries a period summary reads",
                            &S::summary_max_entries, 1, 1000),
          integer_option<S>("analysis_lease_margin_ms",
                            "an analysis pending this long past server.request_timeout_ms is "
                            "marked failed",
                            &S::analysis_lease_margin_ms, 100, kMaxTimeoutMs),
          integer_option<S>("analysis_sweep_interval_ms",
                            "how often overdue pending analyses are looked for",
                            &S::analysis_sweep_interval_ms, 10, kMaxTimeoutMs),
      });
}

SectionSpec visualizations_section() {
  using S = VisualizationsConfig;
  return flat_section<S>(
      "visualizations", "image jobs run in the background by every instance",
      &Config::visualizations,
      {
          integer_option<S>("workers", "jobs this instance runs at once; 0 = none", &S::workers, 0,
                            kMaxThreads),
          integer_option<S>("lease_ms", "a job is taken over this long after its worker died",
                            &S::lease_ms, 100, kMaxTimeoutMs),
          integer_option<S>("poll_interval_ms", "how often an idle worker looks for due jobs",
                            &S::poll_interval_ms, 10, kMaxTimeoutMs),
          integer_option<S>("max_attempts", "tries of a job that fails transiently",
                            &S::max_attempts, 1, 20),
          integer_option<S>("backoff_initial_ms", "wait before a job's second try, doubling",
                            &S::backoff_initial_ms, 0, kMaxTimeoutMs),
          integer_option<S>("backoff_max_ms", "longest wait between a job's tries",
                            &S::backoff_max_ms, 0, 24 * kMaxTimeoutMs),
          choice_option<S>("default_style", "the style of a request that names none",
                           &S::default_style,
                           {"abstract", "watercolor", "impressionist", "minimal", "photographic"}),
          integer_option<S>("max_queued_per_user",
                            "a user's unfinished jobs at most; one more is 429 QUOTA_EXCEEDED",
                            &S::max_queued_per_user, 1, 1000),
      });
}

SectionSpec logging_section() {
  using S = LoggingConfig;
  return flat_section<S>(
      "logging", "what the gateway writes to stdout", &Config::logging,
      {
          choice_option<S>("level", "least severe message written", &S::level,
                           {"trace", "debug", "info", "warn", "error", "off"}),
          boolean_option<S>("access_log", "one JSON line per request", &S::access_log),
      });
}

}  // namespace

const std::vector<SectionSpec>& config_sections() {
  static const std::vector<SectionSpec> sections = {
      server_section(),      database_section(),       auth_section(),
      rate_limits_section(), quotas_section(),         providers_section(),
      journal_section(),     visualizations_section(), logging_section(),
  };
  return sections;
}

}  // namespace moodgate::config
