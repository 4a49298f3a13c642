#include "core/app/application.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "core/ai/ai_caller.h"
#include "core/ai/plugin_loader.h"
#include "core/ai/provider_registry.h"
#include "core/ai/upstream_client.h"
#include "core/api/auth_api.h"
#include "core/api/debug_ai_api.h"
#include "core/api/entries_api.h"
#include "core/api/insights_api.h"
#include "core/api/openapi_api.h"
#include "core/api/providers_api.h"
#include "core/api/routes.h"
#include "core/api/system_api.h"
#include "core/api/usage_api.h"
#include "core/api/visualizations_api.h"
#include "core/auth/access_tokens.h"
#include "core/auth/jwt_secret.h"
#include "core/auth/password_hasher.h"
#include "core/common/async.h"
#include "core/common/threads.h"
#include "core/common/time_format.h"
#include "core/common/uuid.h"
#include "core/config/capability.h"
#include "core/config/config_loader.h"
#include "core/http/access_log.h"
#include "core/http/server.h"
#include "core/services/auth_service.h"
#include "core/services/housekeeping.h"
#include "core/services/idempotency_service.h"
#include "core/services/insights_service.h"
#include "core/services/journal_service.h"
#include "core/services/quota_service.h"
#include "core/services/usage_recorder.h"
#include "core/services/visualization_service.h"
#include "core/services/visualization_worker.h"
#include "core/store/database.h"
#include "core/store/migrations.h"

namespace moodgate::app {

namespace {

constexpr std::chrono::minutes kHousekeepingInterval{5};

// How often this instance refunds quota reservations past their TTL: a tenth of the TTL, within
// 1..60 s, so a dead instance's reservations come back at most 10% (or a minute) after it.
std::chrono::milliseconds quota_sweep_interval(const config::QuotasConfig& quotas) {
  return std::clamp<std::chrono::milliseconds>(std::chrono::seconds(quotas.reservation_ttl_s) / 10,
                                               std::chrono::seconds(1), std::chrono::minutes(1));
}

// Sign-ins that may wait for a hashing thread; each is shed with 503 once it has waited
// auth.password_queue_timeout_ms, so the bound only caps memory.
constexpr std::size_t kPasswordQueueLimit = 4096;

}  // namespace

// Members are destroyed bottom-up: the server and pool go before the services they call.
struct Application::Impl {
  config::Config config;
  std::unique_ptr<store::Database> database;
  std::unique_ptr<auth::PasswordHasher> hasher;
  std::unique_ptr<auth::AccessTokens> tokens;
  std::unique_ptr<services::AuthService> auth;
  std::unique_ptr<ai::PluginLoader> plugin_loader;
  std::unique_ptr<ai::ProviderRegistry> providers;
  std::unique_ptr<ai::ProviderBudgets> budgets;    // read by ai, written by usage
  std::unique_ptr<services::UsageRecorder> usage;  // written by the client's last answers
  std::unique_ptr<ai::UpstreamClient> upstream;
  std::unique_ptr<ai::AiCaller> ai;
  std::unique_ptr<services::QuotaService> quotas;
  std::unique_ptr<services::VisualizationWorkers> visualization_workers;  // use ai and database
  std::unique_ptr<services::VisualizationService> visualizations;
  std::unique_ptr<services::IdempotencyService> idempotency;
  std::unique_ptr<services::JournalService> journal;
  std::unique_ptr<services::InsightsService> insights;
  // After the services it calls: the sweep runs during create(), which may still fail.
  std::unique_ptr<services::Housekeeping> housekeeping;
  // Every request's coroutine runs on one of these; sign-ins that hash a password on the
  // second, so a login storm queues there instead of holding every general thread.
  std::unique_ptr<async::Pool> pool;
  std::unique_ptr<async::Pool> password_pool;
  // Coroutines of routes that never block run on no pool (the AI debug route).
  std::unique_ptr<async::Inline> inline_tasks = std::make_unique<async::Inline>();
  std::vector<std::pair<http::Method, std::string>> routes;
  std::vector<api::RouteInfo> route_table;
  std::unique_ptr<http::HttpServer> server;
};

Application::Application(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Application::~Application() {
  shutdown();
}

Result<std::unique_ptr<Application>> Application::create(const config::Config& config) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  http::set_access_log_enabled(config.logging.access_log);

  // The signing key first: a missing or weak one must stop start-up before anything is touched.
  auto url = store::parse_database_url(config.database.url);
  if (!url.ok()) return std::move(url).error();
  auto secret = auth::resolve_jwt_secret(config.auth, url->backend == store::Backend::kSqlite);
  if (!secret.ok()) return std::move(secret).error();

  // Providers next: a plugin that cannot load stops start-up with its reason.
  std::vector<std::string> plugin_dirs = config.providers.plugin_dirs;
  for (auto& dir : ai::default_plugin_dirs()) plugin_dirs.push_back(std::move(dir));
  impl->plugin_loader = std::make_unique<ai::PluginLoader>(std::move(plugin_dirs));
  auto provider_set = ai::ProviderSet::build(config.providers, *impl->plugin_loader);
  if (!provider_set.ok()) return std::move(provider_set).error();
  impl->providers = std::make_unique<ai::ProviderRegistry>(std::move(provider_set).value());

  auto database = store::Database::open(config.database);
  if (!database.ok()) return std::move(database).error();
  impl->database = std::move(database).value();

  if (config.database.migrate_on_start) {
    auto report = store::migrate(*impl->database, store::default_schema_dir());
    if (!report.ok()) return std::move(report).error();
  }

  // AI calls: one I/O thread for every provider exchange, usage written in the background.
  ai::UpstreamClientOptions upstream_options;
  upstream_options.max_connections_per_host = config.providers.max_connections_per_host;
  upstream_options.max_total_connections = config.providers.max_connections;
  upstream_options.max_cached_connections = config.providers.max_connections;
  // Provider budgets: the spend the usage recorder settles, refreshed from every instance below.
  impl->budgets = std::make_unique<ai::ProviderBudgets>();
  impl->usage = std::make_unique<services::UsageRecorder>(
      *impl->database, services::UsageRecorderOptions{}, impl->budgets.get());
  impl->upstream = std::make_unique<ai::UpstreamClient>(upstream_options);
  impl->ai = std::make_unique<ai::AiCaller>(*impl->providers, *impl->upstream, impl->usage.get(),
                                            nullptr, impl->budgets.get());
  // Per-user AI quotas: reservations around provider calls, overrides, the sweep below.
  impl->quotas = std::make_unique<services::QuotaService>(*impl->database, config.quotas);
  // Image jobs: this process's workers (a fresh instance id names their leases) and the API's
  // service, which wakes them when it accepts a job.
  impl->visualization_workers = std::make_unique<services::VisualizationWorkers>(
      *impl->database, *impl->ai, config.visualizations, new_uuid());
  impl->visualizations = std::make_unique<services::VisualizationService>(
      *impl->database, impl->visualization_workers.get(), config.visualizations,
      impl->quotas.get(), impl->ai.get());

  impl->pool =
      std::make_unique<async::Pool>(ThreadRole::kPool, "mg-pool", config.server.worker_threads,
                                    static_cast<std::size_t>(config.server.worker_queue_limit));

  const config::AuthConfig& ac = config.auth;
  impl->hasher = std::make_unique<auth::PasswordHasher>(
      auth::PasswordHashLimits{static_cast<unsigned long long>(ac.password_ops_limit),
                               ac.password_mem_limit},
      ac.password_max_concurrent, std::chrono::milliseconds(ac.password_queue_timeout_ms));
  impl->tokens = std::make_unique<auth::AccessTokens>(auth::AccessTokenSettings{
      std::move(secret).value(), ac.issuer, ac.audience,
      std::chrono::seconds(ac.access_token_ttl_s), std::chrono::seconds(ac.clock_skew_s)});
  services::AuthServiceDeps auth_deps;
  auth_deps.database = impl->database.get();
  auth_deps.hasher = impl->hasher.get();
  auth_deps.tokens = impl->tokens.get();
  auth_deps.auth = config.auth;
  auth_deps.rate_limits = config.rate_limits;
  impl->auth = std::make_unique<services::AuthService>(std::move(auth_deps));
  services::AuthService* auth_service = impl->auth.get();

  // The journal: entries with their AI analysis and scenarios, and idempotent writes. A key
  // left in progress longer than any request may run belonged to an instance that died.
  impl->idempotency = std::make_unique<services::IdempotencyService>(
      *impl->database, std::chrono::seconds(config.journal.idempotency_ttl_s),
      std::chrono::milliseconds(config.server.request_timeout_ms) * 2);
  services::JournalServiceDeps journal_deps;
  journal_deps.database = impl->database.get();
  journal_deps.ai = impl->ai.get();
  journal_deps.providers = impl->providers.get();
  journal_deps.quotas = impl->quotas.get();
  journal_deps.config = config.journal;
  // Pending is written only by a request, which is answered within request_timeout_ms; the
  // margin covers storing the answer.
  journal_deps.analysis_lease = std::chrono::milliseconds(config.server.request_timeout_ms) +
                                std::chrono::milliseconds(config.journal.analysis_lease_margin_ms);
  impl->journal = std::make_unique<services::JournalService>(std::move(journal_deps));
  impl->insights = std::make_unique<services::InsightsService>(*impl->database, *impl->ai,
                                                               impl->quotas.get(), config.journal);
  services::IdempotencyService* idempotency = impl->idempotency.get();
  services::JournalService* journal = impl->journal.get();
  services::QuotaService* quotas = impl->quotas.get();

  // The interrupted-analysis sweep comes first and has a short interval: the app polls a
  // pending analysis, so how soon an interrupted one turns failed is what a user waits for. At
  // once at start, as a restart after a crash is when those are most likely.
  impl->housekeeping =
      std::make_unique<services::Housekeeping>(std::vector<services::HousekeepingTask>{
          {"interrupted analyses", [journal] { return journal->fail_interrupted_analyses(); },
           std::chrono::milliseconds(config.journal.analysis_sweep_interval_ms), true},
          {"expired sessions and rate-limit counters",
           [auth_service] { return auth_service->purge_expired(); }, kHousekeepingInterval},
          {"expired idempotency keys", [idempotency] { return idempotency->purge_expired(); },
           kHousekeepingInterval},
          {"expired analysis cache", [journal] { return journal->purge_expired_cache(); },
           kHousekeepingInterval},
          // Even with quotas off: reservations made before they were turned off still return.
          {"expired quota reservations", [quotas] { return quotas->expire(unix_now()); },
           quota_sweep_interval(config.quotas), true},
          // What every instance spent on each provider, for the budgets' skips.
          {"provider budgets",
           [db = impl->database.get(), budgets = impl->budgets.get()] {
             return services::refresh_provider_budgets(*db, *budgets);
           },
           services::kBudgetRefreshInterval, true},
          {"ended provider budget windows",
           [db = impl->database.get()] { return services::purge_ended_provider_spend(*db); },
           kHousekeepingInterval}});

  http::Router router;
  // One hashing thread per hashing slot.
  impl->password_pool = std::make_unique<async::Pool>(
      ThreadRole::kHashing, "mg-hash", ac.password_max_concurrent, kPasswordQueueLimit);
  api::Routes routes(api::RoutesDeps{&router, impl->pool.get(), impl->password_pool.get(),
                                     impl->inline_tasks.get(), auth_service, idempotency});
  api::register_auth_api(
      routes,
      api::AuthApiDeps{auth_service, std::chrono::milliseconds(ac.password_queue_timeout_ms)});
  // AI work for a request ends a little before the server's own deadline would answer 503.
  const auto ai_deadline = std::chrono::milliseconds(config.server.request_timeout_ms) * 9 / 10;
  api::register_entries_api(routes, api::EntriesApiDeps{journal, ai_deadline});
  api::register_insights_api(routes, api::InsightsApiDeps{impl->insights.get(), ai_deadline});
  api::register_providers_api(routes,
                              api::ProvidersApiDeps{impl->providers.get(), impl->budgets.get()});
  api::register_usage_api(routes, api::UsageApiDeps{impl->quotas.get()});
  api::register_visualizations_api(routes, api::VisualizationsApiDeps{impl->visualizations.get()});
  api::SystemApiDeps system;
  store::Database* db = impl->database.get();
  system.checks.push_back({"database", [db] { return db->ping(); }});
  Impl* raw = impl.get();
  system.draining = [raw] { return raw->server && raw->server->draining(); };
  ai::ProviderRegistry* registry = impl->providers.get();
  system.plugins = [registry] {
    std::vector<api::PluginInfo> out;
    for (const auto& plugin : registry->current()->plugins()) {
      out.push_back({plugin->name, plugin->version, plugin->abi});
    }
    return out;
  };
  system.debug_endpoints = config.server.debug_endpoints;
  api::register_system_api(routes, std::move(system));
  // The API's description is part of the product: without a valid one the gateway does not start.
  auto openapi = api::load_openapi_document(store::default_schema_dir());
  if (!openapi.ok()) return std::move(openapi).error();
  api::register_openapi_api(routes, std::move(openapi).value());
  if (config.server.debug_endpoints) {
    api::register_debug_ai_api(routes, api::DebugAiApiDeps{impl->ai.get(), ai_deadline});
  }

  impl->routes = router.routes();
  impl->route_table = routes.table();
  impl->server = std::make_unique<http::HttpServer>(config.server, std::move(router));
  return std::unique_ptr<Application>(new Application(std::move(impl)));
}

Status Application::start() {
  Status s = impl_->server->start();
  if (s.ok()) {
    impl_->visualization_workers->start();
    spdlog::info("moodgate listening on http://{}:{} ({})", impl_->config.server.host, port(),
                 config::describe_config_for_log(impl_->config));
  }
  return s;
}

std::uint16_t Application::port() const {
  return impl_->server->port();
}

Status Application::reload_providers(const config::ProvidersConfig& providers) {
  auto next = ai::ProviderSet::build(providers, *impl_->plugin_loader);
  if (!next.ok()) {
    spdlog::error("provider reload refused; the current providers stay: {}", next.error().message);
    return std::move(next).error();
  }
  impl_->providers->replace(std::move(next).value());
  std::string chains;
  for (const auto& [capability, names] : providers.chains) {
    chains.append(chains.empty() ? "" : " ").append(config::describe_chain(capability, names));
  }
  spdlog::info("providers reloaded: {}", chains);
  return {};
}

ai::AiCaller& Application::ai_caller() {
  return *impl_->ai;
}

const std::vector<std::pair<http::Method, std::string>>& Application::routes() const {
  return impl_->routes;
}

const std::vector<api::RouteInfo>& Application::route_table() const {
  return impl_->route_table;
}

bool Application::shutdown() {
  if (!impl_ || !impl_->server) return true;
  const auto grace = std::chrono::milliseconds(impl_->config.server.shutdown_grace_ms);
  impl_->server->begin_drain();
  const std::size_t pending = impl_->server->in_flight();
  if (pending > 0) spdlog::info("draining {} in-flight request(s)", pending);
  const bool idle = impl_->server->wait_idle(grace);
  if (!idle) {
    spdlog::warn("{} request(s) still in flight after {} ms; stopping anyway",
                 impl_->server->in_flight(), grace.count());
  }
  impl_->server->stop();
  impl_->housekeeping->stop();
  impl_->visualization_workers->stop(grace);  // jobs in flight get their answer first
  impl_->upstream->stop();  // AI calls still running answer "shutting down" and are recorded
  // After the AI client: requests suspended on a call have their answer now, and store it.
  impl_->inline_tasks->stop();
  impl_->pool->stop();
  impl_->password_pool->stop();
  impl_->usage->stop();  // writes the last usage records while the database is open
  impl_->server.reset();
  impl_->database.reset();
  spdlog::info("moodgate stopped");
  return idle;
}

void block_shutdown_signals() {
  // A peer that closes early must cost an EPIPE, not the process (libcurl with NOSIGNAL does
  // not shield every TLS write).
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_shutdown_signal(const std::function<void()>& on_reload) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP received; reloading the providers section");
      if (on_reload) on_reload();
      continue;
    }
    spdlog::info("{} received; shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    return sig;
  }
}

}  // namespace moodgate::app
