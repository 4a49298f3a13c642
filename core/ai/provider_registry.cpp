#include "core/ai/provider_registry.h"

#include <algorithm>
#include <map>

#include "core/ai/failure_text.h"

namespace moodgate::ai {
namespace {

sdk::Capability needed_for(config::Capability capability) {
  return capability == config::Capability::kImage ? sdk::Capability::kImage
                                                  : sdk::Capability::kText;
}

const char* capability_noun(sdk::Capability c) {
  return c == sdk::Capability::kImage ? "images" : "text";
}

}  // namespace

Result<std::shared_ptr<const ProviderSet>> ProviderSet::build(
    const config::ProvidersConfig& config, PluginLoader& loader) {
  auto set = std::make_shared<ProviderSet>();
  std::vector<std::string> problems;
  std::map<std::string, std::shared_ptr<const ProviderInstance>> by_name;
  for (const config::ProviderInstanceConfig& inst : config.instances) {
    auto plugin = loader.load(inst.plugin);
    if (!plugin) {
      problems.push_back("providers.instances." + inst.name + ": " + plugin.error().message);
      continue;
    }
    auto provider = loader.create(*plugin, inst.settings, inst.name);
    if (!provider) {
      problems.push_back("providers.instances." + inst.name + ": " + provider.error().message);
      continue;
    }
    auto made = std::make_shared<ProviderInstance>();
    made->config = inst;
    made->secrets = secrets_of(inst.settings);
    made->plugin = *plugin;
    made->provider = *provider;
    made->model = (*provider)->model();
    made->capabilities = (*provider)->capabilities();
    made->breaker = std::make_shared<CircuitBreaker>(
        inst.breaker_failures, std::chrono::milliseconds(inst.breaker_cooldown_ms));
    by_name[inst.name] = made;
    set->instances_.push_back(made);
  }
  for (const auto& [capability, names] : config.chains) {
    Chain chain;
    for (const std::string& name : names) {
      const auto it = by_name.find(name);
      if (it == by_name.end()) continue;  // its own problem is already listed (or config's)
      const sdk::Capability needed = needed_for(capability);
      const auto& caps = it->second->capabilities;
      if (std::find(caps.begin(), caps.end(), needed) == caps.end()) {
        std::string problem = std::string("providers.chains.") + config::to_string(capability);
        problem.append(": ").append(name).append(" (plugin ").append(it->second->plugin->name);
        problem.append(") cannot make ").append(capability_noun(needed));
        problems.push_back(std::move(problem));
        continue;
      }
      chain.push_back(it->second);
    }
    set->chains_.emplace_back(capability, std::move(chain));
  }
  if (!problems.empty()) {
    std::string message;
    for (const auto& p : problems) message += (message.empty() ? "" : "\n") + p;
    return Error(ErrorCode::kInvalidInput, message);
  }
  return std::shared_ptr<const ProviderSet>(set);
}

const Chain& ProviderSet::chain(config::Capability capability) const {
  static const Chain kEmpty;
  for (const auto& [served, chain] : chains_) {
    if (served == capability) return chain;
  }
  return kEmpty;
}

std::vector<std::shared_ptr<const LoadedPlugin>> ProviderSet::plugins() const {
  std::vector<std::shared_ptr<const LoadedPlugin>> out;
  for (const auto& inst : instances_) {
    if (std::find(out.begin(), out.end(), inst->plugin) == out.end()) out.push_back(inst->plugin);
  }
  return out;
}

ProviderRegistry::ProviderRegistry(std::shared_ptr<const ProviderSet> initial)
    : current_(std::move(initial)) {}

std::shared_ptr<const ProviderSet> ProviderRegistry::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

void ProviderRegistry::replace(std::shared_ptr<const ProviderSet> next) {
  std::lock_guard lock(mu_);
  current_ = std::move(next);
}

}  // namespace moodgate::ai
