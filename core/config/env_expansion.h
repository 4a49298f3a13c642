// ${VAR} expansion: how configuration values take secrets and deployment details from the
// environment instead of the file.
//
// Syntax, inside any scalar value:
//   ${NAME}            the variable's value; an error when NAME is not set (set but empty is fine)
//   ${NAME:-default}   the variable's value, or `default` when NAME is unset or empty
//   $${                a literal "${"
// NAME is [A-Za-z_][A-Za-z0-9_]*. Defaults are taken literally (no nesting) and end at the first
// '}'. A '$' not followed by '{' is an ordinary character. Map keys are never expanded.
//
// Reading the process environment races with setenv() on other threads; the gateway expands only
// while loading its config, before it starts threads that change the environment.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/config/config_tree.h"

namespace moodgate::config {

// Looks up one environment variable; nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The lookup that reads the process environment (getenv).
EnvLookup process_environment();

struct Expansion {
  std::string value;
  std::vector<std::string> variables;  // every ${NAME} referenced, in order, defaults included
};

// Expands one value. Fails with kInvalidInput and a message without the key, e.g.
// "environment variable DATABASE_URL is not set"; messages quote only the text as written.
Result<Expansion> expand_env_refs(std::string_view raw, const EnvLookup& lookup);

// Expands every scalar of the tree in place: sets `value` and `env_vars`, or `expansion_problem`
// (reported later, and only if the schema reads that value).
void expand_environment(ConfigNode& node, const EnvLookup& lookup);

}  // namespace moodgate::config
