// ConfigNode: a parsed YAML document as a plain tree, so that nothing past config_tree.cpp sees
// yaml-cpp types.
//
// parse_config_tree() turns YAML text into ConfigNodes. Maps keep their entries in file order,
// duplicates included (yaml-cpp does not reject them; the schema does). Scalars keep the text as
// written (`raw`); expand_environment() (env_expansion.h) later fills `value` and records which
// environment variables produced it, because such a value may be a secret and must never be
// quoted back in a message. describe_node() is the one place that decides how a value is quoted.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/common/result.h"

namespace moodgate::config {

struct ConfigEntry;

struct ConfigNode {
  enum class Kind { kNull, kScalar, kList, kMap };

  Kind kind = Kind::kNull;  // kNull: `key:` with nothing after it, `~` or `null`
  int line = 0;             // 1-based line in the source; 0 when unknown

  // Scalars only.
  std::string raw;                               // as written in the file
  std::string value;                             // after ${VAR} expansion
  std::vector<std::string> env_vars;             // variables that went into `value`
  std::optional<std::string> expansion_problem;  // e.g. "environment variable X is not set"

  std::vector<ConfigNode> items;     // lists
  std::vector<ConfigEntry> entries;  // maps, in file order

  // True when `value` came (in part) from the environment and so may be a secret.
  bool from_environment() const { return !env_vars.empty(); }
};

struct ConfigEntry {
  std::string key;
  int line = 0;
  ConfigNode value;
};

// How a value may be quoted back in a message or a log line.
enum class Visibility {
  kPlain,          // quote it as written
  kUrlWithSecret,  // quote it with the URL's password masked (redact.h)
  kSecret,         // never quote it
};

// The value's description for "..., got <description>": "a list", "a map", "an empty value",
// the raw text in double quotes (escaped, shortened when long), or "(value from ${VAR})" when it
// came from the environment -- never the expanded text.
std::string describe_node(const ConfigNode& node, Visibility visibility = Visibility::kPlain);

// Parses one YAML document. An empty document (or one holding only comments) gives a kNull root.
// Fails with kInvalidInput and a complete message ("<source>: line 3, column 7: invalid YAML: ...")
// on a syntax error, on more than one document, on a key that is not a plain string and on nesting
// deeper than a config needs (a recursive alias).
Result<ConfigNode> parse_config_tree(const std::string& yaml_text, const std::string& source);

}  // namespace moodgate::config
