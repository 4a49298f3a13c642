// Config: the gateway's configuration as plain structs.
//
// Loaded once from YAML by load_config_file() (config_loader.h), validated there, then only read.
// Nothing outside core/config/ sees yaml-cpp types. Every field here is documented, with its
// default, in config/moodgate.yaml; a field added here must be added there too.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/config/capability.h"

namespace moodgate::config {

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8080;                       // 0 = pick a free port (tests)
  int io_threads = 2;                    // Pistache event-loop threads
  int worker_threads = 4;                // bounded pool for blocking work (database, hashing)
  int worker_queue_limit = 1024;         // queued jobs beyond this are refused with 503
  std::size_t max_body_bytes = 1048576;  // request bodies above this answer 413
  std::size_t max_header_bytes = 16384;  // request line + headers allowance; more answers 431
  std::size_t max_url_bytes = 8192;      // request target; longer answers 414
  int max_header_count = 100;            // header fields per request; more answers 431
  int header_timeout_ms = 10000;         // time a client may take to send its whole request
  int keepalive_timeout_ms = 75000;      // an idle keep-alive connection is closed after this
  int send_timeout_ms = 60000;  // a client that reads nothing of its answer this long is dropped
  int max_connections = 10000;  // open client connections; more are answered 503 and closed
  int request_timeout_ms = 120000;                // time from receiving a request to answering it
  int shutdown_grace_ms = 10000;                  // how long SIGTERM waits for in-flight requests
  std::vector<std::string> cors_allowed_origins;  // exact origins, or "*"; empty = CORS off
  int cors_max_age_s = 600;                       // Access-Control-Max-Age on preflight answers
  std::vector<std::string> trusted_proxies;  // IPs / CIDR ranges whose X-Forwarded-For is believed
  bool debug_endpoints = false;              // GET /debug/sleep (for drain tests); never in prod
};

struct DatabaseConfig {
  // sqlite:///relative/or/absolute/path.db  |  postgresql://user:pass@host:port/db?opt=v
  std::string url = "sqlite:///var/moodgate.db";
  int pool_size = 8;              // SOCI sessions held open
  int acquire_timeout_ms = 2000;  // wait for a free session before answering 503
  int busy_timeout_ms = 5000;     // SQLite: wait on a locked database
  int connect_timeout_s = 5;      // PostgreSQL: libpq connect_timeout
  bool migrate_on_start = true;   // apply pending migrations when `serve` starts
};

// Accounts and tokens: how access tokens are signed and checked, how passwords are hashed.
struct AuthConfig {
  // HMAC-SHA256 key for access tokens, >= 32 bytes, from the environment. Empty: on SQLite (the
  // embedded default) the key in jwt_secret_file is used, generated on first start; on
  // PostgreSQL start-up is refused, since instances sharing a database must share the key.
  std::string jwt_secret;
  std::string jwt_secret_file = "var/jwt-secret";
  std::string issuer = "moodgate";        // the `iss` claim written and required
  std::string audience = "moodgate-api";  // the `aud` claim written and required
  int access_token_ttl_s = 900;           // 15 min
  int refresh_token_ttl_s = 2592000;      // 30 days
  int clock_skew_s = 30;                  // tolerance on exp/iat between instances
  int revocation_cache_ms = 0;            // 0 = every request checks the database
  int password_ops_limit = 2;             // argon2id passes (crypto_pwhash OPSLIMIT_INTERACTIVE)
  std::size_t password_mem_limit = 64ull * 1024 * 1024;  // argon2id memory per hash
  int password_max_concurrent = 2;       // hashes running at once (each holds mem_limit)
  int password_queue_timeout_ms = 5000;  // wait for a hashing slot before answering 503
};

// A fixed-window limit: at most `limit` events per `window_s` seconds. limit 0 = no limit.
struct RateLimitRule {
  int limit = 0;
  int window_s = 0;
  bool enabled() const { return limit > 0; }
};

// Limits on the unauthenticated endpoints, counted in the database (shared by every instance).
struct RateLimitsConfig {
  bool enabled = true;
  RateLimitRule register_per_ip{5, 3600};
  RateLimitRule login_per_ip{10, 900};
  RateLimitRule login_failures_per_account{10, 900};
};

// A fixed-window cap on estimated spend: at most `micros` micro-USD per `window_s` seconds.
// micros 0 = no cap. Integer micro-USD, so sums are exact.
struct SpendLimitRule {
  long long micros = 0;
  int window_s = 0;
  bool enabled() const { return micros > 0; }
};

// The limits one user's AI calls run under: calls per capability, and the estimated spend of
// all of them together, each in fixed windows aligned to multiples of its length since the Unix
// epoch (as rate limits are).
struct QuotaLimits {
  RateLimitRule analysis{200, 86400};
  RateLimitRule scenarios{200, 86400};
  RateLimitRule summary{20, 86400};
  RateLimitRule image{20, 86400};
  SpendLimitRule spend_usd{2'000'000, 86400};  // 2.00 USD a day

  // The calls limit of `capability`.
  const RateLimitRule& calls(Capability capability) const {
    switch (capability) {
      case Capability::kAnalysis:
        return analysis;
      case Capability::kScenarios:
        return scenarios;
      case Capability::kSummary:
        return summary;
      case Capability::kImage:
        break;
    }
    return image;
  }
  RateLimitRule& calls(Capability capability) {
    return const_cast<RateLimitRule&>(std::as_const(*this).calls(capability));
  }
};

// Per-user AI quotas, counted in the database so every instance shares them. Operators override
// a user's limits with `moodgate quota set` (stored in quota_overrides).
struct QuotasConfig {
  bool enabled = true;          // false: no call is counted or refused
  QuotaLimits per_user;         // each user's limits unless overridden
  int reservation_ttl_s = 600;  // a reservation not settled by then (its instance died) is refunded
};

// One named provider instance: which plugin, its own settings, and how the gateway calls it.
struct ProviderInstanceConfig {
  std::string name;                             // the key under providers.instances
  std::string plugin;                           // a plugin name ("gemini") or a path to a .so
  std::map<std::string, std::string> settings;  // handed to the plugin as is; may hold secrets
  int connect_timeout_ms = 5000;
  int timeout_ms = 30000;               // one attempt, connect to last byte
  int deadline_ms = 60000;              // all attempts of one call, backoff included
  int max_attempts = 3;                 // on retryable failures, before falling back
  int backoff_initial_ms = 250;         // first retry's backoff ceiling (full jitter), doubling
  int backoff_max_ms = 8000;            // ceiling of one backoff
  int breaker_failures = 5;             // consecutive failed calls that open the breaker; 0 off
  int breaker_cooldown_ms = 30000;      // open this long, then one probe call (half-open)
  double price_input_per_million = 0;   // USD per 1M input tokens, for usage records
  double price_output_per_million = 0;  // USD per 1M output tokens (thinking included)
  double price_per_image = 0;           // USD per image, added for image calls
  // The most output tokens a text call may bill (thinking included): sent to the provider as
  // the task's limit when the task asks for more or names none, and what a call's cost is
  // estimated at before it is sent (per-user spend quotas).
  int max_output_tokens = 8192;
  // At most this much settled spend per window on this instance, every gateway instance
  // together; once reached the chains skip it as they skip an open breaker. Off by default.
  SpendLimitRule budget_usd;
};

// The embedded default's only instance: the offline mock plugin.
inline ProviderInstanceConfig mock_instance() {
  ProviderInstanceConfig mock;
  mock.name = "mock";
  mock.plugin = "mock";
  return mock;
}

struct ProvidersConfig {
  std::vector<std::string> plugin_dirs;  // searched before the defaults beside the executable
  bool watch = false;                    // reload providers when the config file is saved
  // Connections to AI providers open at once: per host, and all hosts together. Calls beyond
  // them wait for a free connection (HTTP/2 providers multiplex many calls on one). Read at
  // start only.
  int max_connections_per_host = 256;
  int max_connections = 1024;
  std::vector<ProviderInstanceConfig> instances{mock_instance()};
  // The instance names serving each capability, in the order to try them.
  std::map<Capability, std::vector<std::string>> chains{{Capability::kAnalysis, {"mock"}},
                                                        {Capability::kScenarios, {"mock"}},
                                                        {Capability::kSummary, {"mock"}},
                                                        {Capability::kImage, {"mock"}}};
};

// The journal API: entries, their analysis and scenarios, idempotent writes, insights.
struct JournalConfig {
  int scenario_count = 3;              // scenarios made for a new entry, 1..10
  int analysis_cache_ttl_s = 2592000;  // reuse an identical analysis this long; 0 = no cache
  int idempotency_ttl_s = 86400;       // an Idempotency-Key replays its answer this long
  int summary_max_entries = 100;       // newest entries of a period POST /insights/summary reads
  // An analysis is pending only while the request that started it runs. One still pending
  // server.request_timeout_ms + this after it started lost its instance and is marked failed.
  int analysis_lease_margin_ms = 30000;
  int analysis_sweep_interval_ms = 30000;  // how often each instance looks for those
};

// Visualization jobs: images made in the background by worker loops in every instance.
struct VisualizationsConfig {
  int workers = 2;                // jobs this instance runs at once; 0 = it runs none
  int lease_ms = 30000;           // a running job is taken over this long after its worker dies
  int poll_interval_ms = 1000;    // how often an idle worker looks for due jobs
  int max_attempts = 4;           // tries of a job that fails transiently, then failed
  int backoff_initial_ms = 5000;  // wait before the second try, doubling per try
  int backoff_max_ms = 300000;    // longest wait between tries
  std::string default_style = "abstract";
  int max_queued_per_user = 5;  // a user's unfinished (queued or running) jobs; beyond: 429
};

struct LoggingConfig {
  std::string level = "info";  // trace | debug | info | warn | error | off
  bool access_log = true;      // one JSON line per request on stdout
};

struct Config {
  std::string source;  // the file it was loaded from (for messages)
  ServerConfig server;
  DatabaseConfig database;
  AuthConfig auth;
  RateLimitsConfig rate_limits;
  QuotasConfig quotas;
  ProvidersConfig providers;
  JournalConfig journal;
  VisualizationsConfig visualizations;
  LoggingConfig logging;
};

}  // namespace moodgate::config
