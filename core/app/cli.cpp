#include "core/app/cli.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <utility>

#include "core/app/application.h"
#include "core/app/config_watcher.h"
#include "core/app/quota_command.h"
#include "core/common/logging.h"
#include "core/config/config_loader.h"
#include "core/store/database.h"
#include "core/store/migrations.h"
#include "moodgate/build_info.h"

namespace moodgate::app {
namespace {

Result<config::Config> load(const CommandLine& cl) {
  const std::string path = config::resolve_config_path(cl.config_path);
  return config::load_config_file(path);
}

// Re-reads the file and applies its providers section; the rest needs a restart. SIGHUP (main
// thread) and the config watcher (its own thread) both call this, so `serial` orders them.
void reload_providers_from_file(Application& application, const config::Config& started_with,
                                const std::string& config_path, std::mutex& serial) {
  std::lock_guard lock(serial);
  auto reloaded = config::load_config_file(config_path);
  if (!reloaded.ok()) {
    spdlog::error("provider reload refused; the current providers stay: {}",
                  reloaded.error().message);
    return;
  }
  if (reloaded->providers.watch != started_with.providers.watch) {
    spdlog::warn("providers.watch changed; that takes effect at the next start");
  }
  (void)application.reload_providers(reloaded->providers);
}

// Saving the config file reloads the providers when providers.watch is on. Null when it is off
// or the watcher cannot start (then only SIGHUP reloads).
std::unique_ptr<ConfigWatcher> watch_config_file(const config::Config& config,
                                                 const std::string& config_path,
                                                 std::function<void()> reload) {
  // providers.watch is read here, at start only: a reload neither starts nor stops the watcher.
  if (!config.providers.watch) return nullptr;
  try {
    auto watcher =
        std::make_unique<ConfigWatcher>(config_path, [config_path, reload = std::move(reload)] {
          spdlog::info("{} changed; reloading the providers section", config_path);
          reload();
        });
    spdlog::info("watching {} for provider changes", config_path);
    return watcher;
  } catch (const std::exception& e) {
    spdlog::error("providers.watch: {}; only SIGHUP reloads the providers", e.what());
    return nullptr;
  }
}

int serve(const config::Config& config, const std::string& config_path) {
  block_shutdown_signals();
  auto application = Application::create(config);
  if (!application.ok()) {
    spdlog::error("cannot start: {}", application.error().message);
    return 1;
  }
  if (Status s = (*application)->start(); !s.ok()) {
    spdlog::error("cannot start: {}", s.error().message);
    return 1;
  }
  std::mutex reload_serial;
  const auto reload = [&] {
    reload_providers_from_file(**application, config, config_path, reload_serial);
  };
  std::unique_ptr<ConfigWatcher> watcher = watch_config_file(config, config_path, reload);
  wait_for_shutdown_signal(reload);
  // Before the shutdown: no reload may run while the application is torn down.
  if (watcher) watcher->stop();
  // A signal asked us to stop, and we did: exit 0 even if the grace period ran out (the
  // shutdown logged how many requests were cut off).
  (*application)->shutdown();
  return 0;
}

int migrate(const config::Config& config) {
  auto database = store::Database::open(config.database);
  if (!database.ok()) {
    spdlog::error("cannot open the database: {}", database.error().message);
    return 1;
  }
  auto report = store::migrate(**database, store::default_schema_dir());
  if (!report.ok()) {
    spdlog::error("migration failed: {}", report.error().message);
    return 1;
  }
  std::cout << "migrations: " << report->applied.size() << " applied, " << report->already_applied
            << " already applied\n";
  for (const auto& m : report->applied) std::cout << "  applied " << m.name << "\n";
  std::cout << "schema version: " << report->schema_version << "\n";
  return 0;
}

}  // namespace

std::string usage_text() {
  return R"(moodgate - the EmotionVisualizer backend and plugin-based AI gateway

Usage:
  moodgate [--config PATH] [COMMAND]

Commands:
  serve          start the HTTP server (default)
  migrate        apply pending database migrations and exit
  check-config   validate the configuration file; exit 0 when valid, 1 with the problems
  quota set EMAIL CAPABILITY LIMIT
                 override one user's AI quota: CAPABILITY is analysis, scenarios, summary,
                 image (LIMIT <count>/<window> such as 100/1d, or off) or spend_usd (LIMIT
                 <usd>/<window> such as 5.00/1d, or off)
  quota show EMAIL
                 the user's effective quotas (override or default) and what is used of them
  quota clear EMAIL [CAPABILITY]
                 back to the quotas.per_user default (every override, without CAPABILITY)
Options:
  --config PATH  configuration file (default: $MOODGATE_CONFIG, else config/moodgate.yaml)
  --help         show this text
  --version      show the version

Signals (serve): SIGTERM/SIGINT drain in-flight requests, then exit 0; SIGHUP reloads the
                 providers section of the config file (so does saving it, with providers.watch).
)";
}

ParsedCommandLine parse_command_line(const std::vector<std::string>& args) {
  CommandLine cl;
  bool command_seen = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      cl.command = Command::kHelp;
      return {cl, ""};
    }
    if (a == "--version" || a == "-V") {
      cl.command = Command::kVersion;
      return {cl, ""};
    }
    if (a == "--config" || a == "-c") {
      if (i + 1 >= args.size()) return {std::nullopt, "--config needs a file path"};
      cl.config_path = args[++i];
      continue;
    }
    if (a.rfind("--config=", 0) == 0) {
      cl.config_path = a.substr(9);
      continue;
    }
    if (!a.empty() && a[0] == '-') return {std::nullopt, "unknown option: " + a};
    if (command_seen && cl.command == Command::kQuota) {
      cl.arguments.push_back(a);
      continue;
    }
    if (command_seen) return {std::nullopt, "unexpected argument: " + a};
    command_seen = true;
    if (a == "serve")
      cl.command = Command::kServe;
    else if (a == "migrate")
      cl.command = Command::kMigrate;
    else if (a == "check-config")
      cl.command = Command::kCheckConfig;
    else if (a == "quota")
      cl.command = Command::kQuota;
    else if (a == "help")
      cl.command = Command::kHelp;
    else if (a == "version")
      cl.command = Command::kVersion;
    else
      return {std::nullopt, "unknown command: " + a};
  }
  if (cl.command == Command::kQuota) {
    if (auto problem = check_quota_arguments(cl.arguments)) return {std::nullopt, *problem};
  }
  return {cl, ""};
}

int run_command(const CommandLine& cl) {
  switch (cl.command) {
    case Command::kHelp:
      std::cout << usage_text();
      return 0;
    case Command::kVersion:
      std::cout << build::kName << " " << build::kVersion << " (api " << build::kApiVersion
                << ", git " << build::kGitSha << ")\n";
      return 0;
    default:
      break;
  }
  setup_logging("info");
  auto config = load(cl);
  if (!config.ok()) {
    std::cerr << config.error().message << "\n";
    return 1;
  }
  setup_logging(config->logging.level);
  switch (cl.command) {
    case Command::kCheckConfig:
      std::cout << config->source << ": OK\n";
      return 0;
    case Command::kMigrate:
      return migrate(*config);
    case Command::kQuota:
      // An operator's command: its answer, and only warnings and errors besides.
      if (config->logging.level != "error" && config->logging.level != "off") {
        setup_logging("warn");
      }
      return run_quota_command(*config, cl.arguments);
    default:
      return serve(*config, config->source);
  }
}

}  // namespace moodgate::app
