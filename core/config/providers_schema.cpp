#include "core/config/providers_schema.h"

#include <algorithm>
#include <optional>
#include <set>

namespace moodgate::config {
namespace {

constexpr int kMaxTimeoutMs = 3'600'000;

bool is_instance_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](char c) {
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

std::optional<double> read_price(const ConfigNode& node, const std::string& path,
                                 Problems& problems) {
  auto text = read_text(node, path, TextRule{.expected = "a price in USD, 0 or more"}, problems);
  if (!text) return std::nullopt;
  try {
    std::size_t used = 0;
    const double v = std::stod(*text, &used);
    if (used == text->size() && v >= 0 && v < 1e9) return v;
  } catch (const std::exception&) {
  }
  problems.add(path, "expected a price in USD, 0 or more, got " + describe_node(node));
  return std::nullopt;
}

// Settings are plain strings for the plugin; they may be secrets, so never quoted.
void read_settings(const ConfigNode& node, const std::string& path,
                   std::map<std::string, std::string>& out, Problems& problems) {
  if (node.kind == ConfigNode::Kind::kNull) return;
  if (node.kind != ConfigNode::Kind::kMap) {
    return problems.add(path, "expected a map of settings for the plugin, got " +
                                  describe_node(node, Visibility::kSecret));
  }
  for (const ConfigEntry& entry : node.entries) {
    const std::string at = child_path(path, entry.key);
    if (out.count(entry.key)) {
      problems.add(at, "duplicate key");
      continue;
    }
    auto value = read_text(entry.value, at,
                           TextRule{.expected = "a scalar (string, number or boolean)",
                                    .allow_empty = true,
                                    .visibility = Visibility::kSecret},
                           problems);
    if (value) out.emplace(entry.key, std::move(*value));
  }
}

const std::vector<std::string_view> kInstanceKeys = {
    "plugin",      "settings",     "connect_timeout_ms",      "timeout_ms",
    "deadline_ms", "max_attempts", "price_input_per_million", "price_output_per_million",
    "price_per_image", "backoff_initial_ms", "backoff_max_ms", "breaker_failures",
    "breaker_cooldown_ms"};

ProviderInstanceConfig read_instance(const std::string& name, const ConfigNode& node,
                                     const std::string& path, Problems& problems) {
  ProviderInstanceConfig inst;
  inst.name = name;
  if (node.kind != ConfigNode::Kind::kMap) {
    problems.add(path, "expected a map with the keys " + join_keys(kInstanceKeys) + ", got " +
                           describe_node(node));
    return inst;
  }
  bool has_plugin = false;
  auto integer = [&](const ConfigNode& n, const std::string& at, int& field, int min, int max) {
    if (auto v = read_integer(n, at, min, max, problems)) field = static_cast<int>(*v);
  };
  for_each_known_entry(node, path, kInstanceKeys, problems, [&](std::size_t i, const ConfigEntry& e) {
    const std::string at = child_path(path, e.key);
    switch (i) {
      case 0:
        has_plugin = true;
        if (auto v = read_text(e.value, at, TextRule{.expected = "a plugin name or a path"},
                               problems)) {
          inst.plugin = *v;
        }
        break;
      case 1: read_settings(e.value, at, inst.settings, problems); break;
      case 2: integer(e.value, at, inst.connect_timeout_ms, 1, kMaxTimeoutMs); break;
      case 3: integer(e.value, at, inst.timeout_ms, 1, kMaxTimeoutMs); break;
      case 4: integer(e.value, at, inst.deadline_ms, 1, kMaxTimeoutMs); break;
      case 5: integer(e.value, at, inst.max_attempts, 1, 10); break;
      case 6:
        if (auto v = read_price(e.value, at, problems)) inst.price_input_per_million = *v;
        break;
      case 7:
        if (auto v = read_price(e.value, at, problems)) inst.price_output_per_million = *v;
        break;
      case 8:
        if (auto v = read_price(e.value, at, problems)) inst.price_per_image = *v;
        break;
      case 9: integer(e.value, at, inst.backoff_initial_ms, 1, kMaxTimeoutMs); break;
      case 10: integer(e.value, at, inst.backoff_max_ms, 1, kMaxTimeoutMs); break;
      case 11: integer(e.value, at, inst.breaker_failures, 0, 1000); break;
      case 12: integer(e.value, at, inst.breaker_cooldown_ms, 1, kMaxTimeoutMs); break;
      default: break;
    }
  });
  if (!has_plugin) problems.add(child_path(path, "plugin"), "required, but not given");
  return inst;
}

void read_instances(const ConfigNode& node, const std::string& path, ProvidersConfig& out,
                    Problems& problems) {
  if (node.kind != ConfigNode::Kind::kMap || node.entries.empty()) {
    return problems.add(path, "expected a map of named provider instances, got " +
                                  describe_node(node));
  }
  out.instances.clear();
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
    out.instances.push_back(read_instance(entry.key, entry.value, at, problems));
  }
}

void read_chains(const ConfigNode& node, const std::string& path, ProvidersConfig& out,
                 Problems& problems) {
  if (node.kind != ConfigNode::Kind::kMap) {
    return problems.add(path, "expected a map from capability to instances, got " +
                                  describe_node(node));
  }
  out.chains.clear();
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
    out.chains[*capability] = std::move(*names);
  }
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
  SectionSpec spec;
  spec.key = "providers";
  spec.meaning = "AI provider plugins, their instances and the chain serving each capability";
  spec.option_keys = {"plugin_dirs", "watch", "instances", "chains", "max_connections_per_host",
                      "max_connections"};
  spec.read = [keys = spec.option_keys](const ConfigNode* node, Config& config,
                                        Problems& problems) {
    const std::string path = "providers";
    if (node == nullptr || node->kind == ConfigNode::Kind::kNull) return;
    if (node->kind != ConfigNode::Kind::kMap) {
      return problems.add(path, "expected a map with the keys " + join_keys(keys) + ", got " +
                                    describe_node(*node));
    }
    ProvidersConfig& p = config.providers;
    for_each_known_entry(*node, path, keys, problems, [&](std::size_t i, const ConfigEntry& e) {
      const std::string at = child_path(path, e.key);
      if (i == 0) {
        if (auto dirs = read_text_list(e.value, at, "a list of directories",
                                       TextRule{.expected = "a directory"}, problems)) {
          p.plugin_dirs = std::move(*dirs);
        }
      } else if (i == 1) {
        if (auto v = read_boolean(e.value, at, problems)) p.watch = *v;
      } else if (i == 2) {
        read_instances(e.value, at, p, problems);
      } else if (i == 3) {
        read_chains(e.value, at, p, problems);
      } else if (auto v = read_integer(e.value, at, 1, 100000, problems)) {
        (i == 4 ? p.max_connections_per_host : p.max_connections) = static_cast<int>(*v);
      }
    });
    check_references(p, path, problems);
  };
  spec.show = [](const Config& config, std::vector<std::string>& items) {
    const ProvidersConfig& p = config.providers;
    std::string instances;
    for (const auto& inst : p.instances) {
      instances += (instances.empty() ? "" : ",") + inst.name + "(" + inst.plugin + ")";
    }
    items.push_back("providers.instances=[" + instances + "]");
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
