// The configured providers: loaded plugins, the provider instances made from them, and the
// chain of instances serving each capability.
//
// A ProviderSet is built whole from the `providers` config and never changes afterwards: every
// plugin is loaded and checked, every instance created, and every chain checked against what
// its instances can do (analysis, scenarios and summary need text; image needs images), with
// every problem reported at once. The ProviderRegistry holds the current set and swaps it in
// one step (SIGHUP, or the config file saved): a call takes the set once at its start and
// keeps it, so calls in flight finish on the providers they started with. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/ai/circuit_breaker.h"
#include "core/ai/plugin_loader.h"
#include "core/common/result.h"
#include "core/config/capability.h"
#include "core/config/config.h"
#include "moodgate/provider.h"

namespace moodgate::ai {

struct ProviderInstance {
  config::ProviderInstanceConfig config;  // settings included: never log or show them
  // secrets_of(config.settings): what redact_secrets() takes out of this instance's log lines.
  std::vector<std::string> secrets;
  std::shared_ptr<const LoadedPlugin> plugin;
  std::shared_ptr<sdk::Provider> provider;
  std::string model;  // provider->model(), asked once
  std::vector<sdk::Capability> capabilities;
  // Shared by every call through this instance; a reload makes new instances with fresh ones.
  std::shared_ptr<CircuitBreaker> breaker;
};

using Chain = std::vector<std::shared_ptr<const ProviderInstance>>;

class ProviderSet {
 public:
  // Loads and checks everything `config` names through `loader`; kInvalidInput listing every
  // problem (one per line) when anything is wrong.
  static Result<std::shared_ptr<const ProviderSet>> build(const config::ProvidersConfig& config,
                                                          PluginLoader& loader);

  // The instances serving `capability`, in the order to try them; empty when the config gave
  // it no chain.
  const Chain& chain(config::Capability capability) const;
  const std::vector<std::shared_ptr<const ProviderInstance>>& instances() const {
    return instances_;
  }
  // The distinct plugins in use.
  std::vector<std::shared_ptr<const LoadedPlugin>> plugins() const;

 private:
  std::vector<std::shared_ptr<const ProviderInstance>> instances_;
  std::vector<std::pair<config::Capability, Chain>> chains_;
};

class ProviderRegistry {
 public:
  explicit ProviderRegistry(std::shared_ptr<const ProviderSet> initial);
  std::shared_ptr<const ProviderSet> current() const;
  void replace(std::shared_ptr<const ProviderSet> next);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const ProviderSet> current_;
};

}  // namespace moodgate::ai
