#include "core/config/env_expansion.h"

#include <cstdlib>

namespace moodgate::config {
namespace {

Error invalid(std::string message) {
  return Error{ErrorCode::kInvalidInput, std::move(message)};
}

bool is_variable_name(std::string_view name) {
  if (name.empty()) return false;
  const auto is_alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  if (!is_alpha(name.front()) && name.front() != '_') return false;
  for (const char c : name) {
    if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '_') return false;
  }
  return true;
}

}  // namespace

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Result<Expansion> expand_env_refs(std::string_view raw, const EnvLookup& lookup) {
  Expansion out;
  std::size_t i = 0;
  while (i < raw.size()) {
    if (raw.substr(i, 3) == "$${") {
      out.value += "${";
      i += 3;
      continue;
    }
    if (raw.substr(i, 2) != "${") {
      out.value += raw[i++];
      continue;
    }
    const std::size_t close = raw.find('}', i + 2);
    if (close == std::string_view::npos) {
      return invalid("unterminated variable reference \"" + std::string(raw.substr(i)) +
                     "\" (missing \"}\")");
    }
    const std::string_view reference = raw.substr(i, close + 1 - i);
    const std::string_view body = raw.substr(i + 2, close - i - 2);
    const std::size_t separator = body.find(":-");
    const std::string name(body.substr(0, separator));
    if (!is_variable_name(name)) {
      return invalid("malformed variable reference \"" + std::string(reference) +
                     "\" (expected ${NAME} or ${NAME:-default}; write $${ for a literal ${)");
    }
    std::optional<std::string> value = lookup(name);
    if (separator != std::string_view::npos) {
      if (!value || value->empty()) value = std::string(body.substr(separator + 2));
    } else if (!value) {
      return invalid("environment variable " + name + " is not set");
    }
    out.value += *value;
    out.variables.push_back(name);
    i = close + 1;
  }
  return out;
}

void expand_environment(ConfigNode& node, const EnvLookup& lookup) {
  switch (node.kind) {
    case ConfigNode::Kind::kScalar: {
      Result<Expansion> expanded = expand_env_refs(node.raw, lookup);
      if (expanded.ok()) {
        node.value = std::move(expanded->value);
        node.env_vars = std::move(expanded->variables);
      } else {
        node.expansion_problem = std::move(expanded).error().message;
      }
      return;
    }
    case ConfigNode::Kind::kList:
      for (ConfigNode& item : node.items) expand_environment(item, lookup);
      return;
    case ConfigNode::Kind::kMap:
      for (ConfigEntry& entry : node.entries) expand_environment(entry.value, lookup);
      return;
    case ConfigNode::Kind::kNull:
      return;
  }
}

}  // namespace moodgate::config
