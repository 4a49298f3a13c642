#include "core/config/providers_schema.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <set>

#include "core/config/option_limits.h"

namespace moodgate::config {
namespace {

// Prices are below a billion USD; more is a typo.
constexpr double kPriceBelowUsd = 1e9;

bool is_instance_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// "analysis, scenarios, summary, image".
std::string capability_names() {
  std::string names;
  for (const Capability c : kCapabilities) {
    names.append(names.empty() ? "" : ", ").append(to_string(c));
  }
  return names;
}

OptionSpec<ProviderInstanceConfig> price_option(std::string_view key, std::string_view meaning,
                                                double ProviderInstanceConfig::*field) {
  return decimal_option<ProviderInstanceConfig>(key, meaning, field, "a price in USD, 0 or more", 0,
                                                kPriceBelowUsd);
}

// "[name(plugin),...]": what the log shows of the instances, which is nothing of their settings.
std::string show_instances(const ProvidersConfig& p) {
  std::string out;
  for (const ProviderInstanceConfig& instance : p.instances) {
    out += (out.empty() ? "" : ",") + instance.name + "(" + instance.plugin + ")";
  }
  return "[" + out + "]";
}

// The options of one provider instance (providers.instances.<name>).
std::vector<OptionSpec<ProviderInstanceConfig>> instance_rows() {
  using I = ProviderInstanceConfig;
  return {
      required(text_option<I>("plugin", "the plugin's name, or a path to its .so", &I::plugin,
                              TextRule{.expected = "a plugin name or a path"})),
      // Settings are plain strings for the plugin; they may be secrets, so never quoted.
      text_map_option<I>("settings", "handed to the plugin as strings; never logged", &I::settings,
                         "a map of settings for the plugin",
                         TextRule{.expected = "a scalar (string, number or boolean)",
                                  .allow_empty = true,
                                  .visibility = Visibility::kSecret}),
      integer_option<I>("connect_timeout_ms", "one attempt's connect timeout",
                        &I::connect_timeout_ms, 1, kMaxTimeoutMs),
      integer_option<I>("timeout_ms", "one attempt, connect to last byte", &I::timeout_ms, 1,
                        kMaxTimeoutMs),
      integer_option<I>("deadline_ms", "all attempts of one call, backoff included",
                        &I::deadline_ms, 1, kMaxTimeoutMs),
      integer_option<I>("max_attempts", "tries on retryable failures before falling back",
                        &I::max_attempts, 1, 10),
      price_option("price_input_per_million", "USD per 1M input tokens, for usage records",
                   &I::price_input_per_million),
      price_option("price_output_per_million", "USD per 1M output tokens, thinking included",
                   &I::price_output_per_million),
      price_option("price_per_image", "USD per image made", &I::price_per_image),
      integer_option<I>("max_output_tokens",
                        "most output tokens a text call may bill; sent as its limit",
                        &I::max_output_tokens, 1, 1'000'000),
      spend_option<I>("budget_usd", "settled spend per window, all instances; then skipped",
                      &I::budget_usd),
      integer_option<I>("backoff_initial_ms", "the first retry's backoff ceiling, doubling",
                        &I::backoff_initial_ms, 1, kMaxTimeoutMs),
      integer_option<I>("backoff_max_ms", "the longest one backoff may be", &I::backoff_max_ms, 1,
                        kMaxTimeoutMs),
      integer_option<I>("breaker_failures", "consecutive failed calls that open the breaker; 0 off",
                        &I::breaker_failures, 0, 1000),
      integer_option<I>("breaker_cooldown_ms", "open this long, then one probe call",
                        &I::breaker_cooldown_ms, 1, kMaxTimeoutMs),
  };
}

// providers.instances: named instances in file order, each read by instance_rows(). A name that
// is malformed or repeated is reported and its instance skipped.
OptionSpec<ProvidersConfig> instances_option() {
  const auto rows =
      std::make_shared<const std::vector<OptionSpec<ProviderInstanceConfig>>>(instance_rows());
  return {"instances", "named provider instances: a plugin each, and how it is called", false,
          [rows](const ConfigNode& node, const std::string& path, ProvidersConfig& p,
                 Problems& problems) {
            if (node.kind != ConfigNode::Kind::kMap || node.entries.empty()) {
              return problems.add(
                  path, "expected a map of named provider instances, got " + describe_node(node));
            }
            p.instances.clear();
            std::set<std::string> seen;
            for (const ConfigEntry& entry : node.entries) {
              const std::string at = child_path(path, entry.key);
              if (!is_instance_name(entry.key)) {
                problems.add(at, "an instance name is 1..64 of a-z, 0-9, _ and -");
                continue;
              }
              if (!seen.insert(entry.key).second) {
                problems.add(at, "duplicate key");
                continue;
              }
              ProviderInstanceConfig& instance = p.instances.emplace_back();
              instance.name = entry.key;
              read_options(&entry.value, at, *rows, instance, problems);
            }
          },
          show_instances};
}

// providers.chains: per capability, the instance names to try in order. Whether the names exist
// and every capability has a chain is checked once the whole section is read.
OptionSpec<ProvidersConfig> chains_option() {
  return {
      "chains", "per capability, the instances to try in order", false,
      [](const ConfigNode& node, const std::string& path, ProvidersConfig& p, Problems& problems) {
        if (node.kind != ConfigNode::Kind::kMap) {
          return problems.add(
              path, "expected a map from capability to instances, got " + describe_node(node));
        }
        p.chains.clear();
        for (const ConfigEntry& entry : node.entries) {
          const std::string at = child_path(path, entry.key);
          const std::optional<Capability> capability = capability_from_string(entry.key);
          if (!capability) {
            problems.add(at, "unknown capability (known: " + capability_names() + ")");
            continue;
          }
          auto names = read_text_list(entry.value, at, "a list of instance names",
                                      TextRule{.expected = "an instance name"}, problems);
          if (!names) continue;
          if (names->empty()) problems.add(at, "must name at least one instance");
          p.chains[*capability] = std::move(*names);
        }
      },
      [](const ProvidersConfig& p) {
        std::string out;
        for (const auto& [capability, chain] : p.chains) {
          out += (out.empty() ? "" : ",") + describe_chain(capability, chain);
        }
        return "{" + out + "}";
      }};
}

// Cross-checks once both parts are read: every capability has a chain of known instances.
void check_references(const ProvidersConfig& p, const std::string& path, Problems& problems) {
  std::set<std::string> names;
  for (const auto& inst : p.instances) names.insert(inst.name);
  for (const Capability capability : kCapabilities) {
    const std::string at = child_path(child_path(path, "chains"), to_string(capability));
    const auto it = p.chains.find(capability);
    if (it == p.chains.end()) {
      problems.add(at, "required, but not given");
      continue;
    }
    for (std::size_t i = 0; i < it->second.size(); ++i) {
      if (!names.count(it->second[i])) {
        problems.add(item_path(at, i), "no provider instance named \"" + it->second[i] + "\"");
      }
    }
  }
}

}  // namespace

SectionSpec providers_section() {
  using P = ProvidersConfig;
  SectionSpec spec = flat_section<P>(
      "providers", "AI provider plugins, their instances and the chain serving each capability",
      &Config::providers,
      {
          text_list_option<P>("plugin_dirs", "searched for plugins before the defaults",
                              &P::plugin_dirs, "a list of directories",
                              TextRule{.expected = "a directory"}),
          boolean_option<P>("watch", "reload this section when the config file is saved",
                            &P::watch),
          instances_option(),
          chains_option(),
          integer_option<P>("max_connections_per_host", "connections to one provider host",
                            &P::max_connections_per_host, 1, 100'000),
          integer_option<P>("max_connections", "connections to all provider hosts together",
                            &P::max_connections, 1, 100'000),
      });
  // Once the rows are read, the chains are checked against the instances; the built-in default
  // (the mock serving every chain) passes, so a section left out adds no problem.
  spec.read = [read_rows = spec.read](const ConfigNode* node, Config& config, Problems& problems) {
    read_rows(node, config, problems);
    check_references(config.providers, "providers", problems);
  };
  // The log line predates the table and keeps its order: instances by name(plugin), so that no
  // setting is logged; one item per chain; plugin_dirs not at all.
  spec.show = [](const Config& config, std::vector<std::string>& items) {
    const ProvidersConfig& p = config.providers;
    items.push_back("providers.instances=" + show_instances(p));
    for (const auto& [capability, chain] : p.chains) {
      items.push_back("providers.chains." + describe_chain(capability, chain));
    }
    items.push_back(std::string("providers.watch=") + (p.watch ? "true" : "false"));
    items.push_back("providers.max_connections_per_host=" +
                    std::to_string(p.max_connections_per_host));
    items.push_back("providers.max_connections=" + std::to_string(p.max_connections));
  };
  return spec;
}

}  // namespace moodgate::config
