#include "core/config/option_schema.h"

#include <charconv>

#include "core/config/redact.h"

namespace moodgate::config {
namespace {

// The scalar text of `node`, or nullopt after reporting why there is none: the value is not a
// scalar ("expected <expected>, got a map"), or its ${VAR} expansion failed.
std::optional<std::string> scalar_text(const ConfigNode& node, const std::string& path,
                                       std::string_view expected, Problems& problems) {
  if (node.kind != ConfigNode::Kind::kScalar) {
    problems.add(path, "expected " + std::string(expected) + ", got " + describe_node(node));
    return std::nullopt;
  }
  if (node.expansion_problem) {
    problems.add(path, *node.expansion_problem);
    return std::nullopt;
  }
  return node.value;
}

std::string got(const std::string& expected, const ConfigNode& node,
                Visibility visibility = Visibility::kPlain) {
  return "expected " + expected + ", got " + describe_node(node, visibility);
}

}  // namespace

std::optional<long long> read_integer(const ConfigNode& node, const std::string& path,
                                      long long min, long long max, Problems& problems) {
  const std::string expected = "an integer " + std::to_string(min) + ".." + std::to_string(max);
  const std::optional<std::string> text = scalar_text(node, path, expected, problems);
  if (!text) return std::nullopt;
  const std::optional<long long> value = parse_integer(*text);
  if (!value || *value < min || *value > max) {
    problems.add(path, got(expected, node));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> read_boolean(const ConfigNode& node, const std::string& path,
                                 Problems& problems) {
  const std::string expected = "true or false";
  const std::optional<std::string> text = scalar_text(node, path, expected, problems);
  if (!text) return std::nullopt;
  if (*text == "true") return true;
  if (*text == "false") return false;
  problems.add(path, got(expected, node));
  return std::nullopt;
}

std::optional<std::uint64_t> read_byte_size(const ConfigNode& node, const std::string& path,
                                            std::uint64_t min, std::uint64_t max,
                                            Problems& problems) {
  const std::string expected = "a byte size " + format_byte_size(min) + ".." +
                               format_byte_size(max) + " (an integer, <n>KiB or <n>MiB)";
  const std::optional<std::string> text = scalar_text(node, path, expected, problems);
  if (!text) return std::nullopt;
  const std::optional<std::uint64_t> value = parse_byte_size(*text);
  if (!value || *value < min || *value > max) {
    problems.add(path, got(expected, node));
    return std::nullopt;
  }
  return value;
}

std::optional<double> read_decimal(const ConfigNode& node, const std::string& path,
                                   std::string_view expected, double min, double below,
                                   Problems& problems) {
  const std::optional<std::string> text =
      read_text(node, path, TextRule{.expected = expected}, problems);
  if (!text) return std::nullopt;
  const std::optional<double> value = parse_decimal(*text);
  if (value && *value >= min && *value < below) return value;
  problems.add(path, got(std::string(expected), node));
  return std::nullopt;
}

std::optional<std::string> read_choice(const ConfigNode& node, const std::string& path,
                                       const std::vector<std::string_view>& choices,
                                       Problems& problems) {
  const std::string expected = "one of " + join_keys(choices);
  std::optional<std::string> text = scalar_text(node, path, expected, problems);
  if (!text) return std::nullopt;
  for (const std::string_view choice : choices) {
    if (*text == choice) return text;
  }
  problems.add(path, got(expected, node));
  return std::nullopt;
}

std::optional<std::string> read_text(const ConfigNode& node, const std::string& path,
                                     const TextRule& rule, Problems& problems) {
  const std::string expected(rule.expected);
  std::optional<std::string> text = scalar_text(node, path, expected, problems);
  if (!text) return std::nullopt;
  if (text->empty() && !rule.allow_empty) {
    problems.add(path, node.from_environment()
                           ? "must not be empty, got " + describe_node(node, rule.visibility)
                           : std::string("must not be empty"));
    return std::nullopt;
  }
  if (rule.accepts && !rule.accepts(*text)) {
    problems.add(path, got(expected, node, rule.visibility));
    return std::nullopt;
  }
  return text;
}

std::optional<std::vector<std::string>> read_text_list(const ConfigNode& node,
                                                       const std::string& path,
                                                       std::string_view expected,
                                                       const TextRule& item_rule,
                                                       Problems& problems) {
  if (node.kind != ConfigNode::Kind::kList) {
    problems.add(path, got(std::string(expected), node));
    return std::nullopt;
  }
  std::vector<std::string> values;
  bool all_read = true;
  for (std::size_t i = 0; i < node.items.size(); ++i) {
    if (auto value = read_text(node.items[i], item_path(path, i), item_rule, problems)) {
      values.push_back(std::move(*value));
    } else {
      all_read = false;
    }
  }
  if (!all_read) return std::nullopt;
  return values;
}

std::optional<std::map<std::string, std::string>> read_text_map(const ConfigNode& node,
                                                                const std::string& path,
                                                                std::string_view expected,
                                                                const TextRule& value_rule,
                                                                Problems& problems) {
  std::map<std::string, std::string> values;
  if (node.kind == ConfigNode::Kind::kNull) return values;
  if (node.kind != ConfigNode::Kind::kMap) {
    problems.add(path, got(std::string(expected), node, value_rule.visibility));
    return std::nullopt;
  }
  bool all_read = true;
  for (const ConfigEntry& entry : node.entries) {
    const std::string at = child_path(path, entry.key);
    if (values.count(entry.key) != 0) {
      problems.add(at, "duplicate key");
      all_read = false;
    } else if (auto value = read_text(entry.value, at, value_rule, problems)) {
      values.emplace(entry.key, std::move(*value));
    } else {
      all_read = false;
    }
  }
  if (!all_read) return std::nullopt;
  return values;
}

void for_each_known_entry(const ConfigNode& map, const std::string& path,
                          const std::vector<std::string_view>& known, Problems& problems,
                          const std::function<void(std::size_t, const ConfigEntry&)>& visit) {
  std::vector<int> first_line(known.size(), -1);
  for (const ConfigEntry& entry : map.entries) {
    std::size_t index = 0;
    while (index < known.size() && known[index] != entry.key) ++index;
    if (index == known.size()) {
      problems.add(child_path(path, entry.key), "unknown key (known: " + join_keys(known) + ")");
      continue;
    }
    if (first_line[index] >= 0) {
      problems.add(child_path(path, entry.key),
                   "duplicate key (first given on line " + std::to_string(first_line[index]) + ")");
      continue;
    }
    first_line[index] = entry.line;
    visit(index, entry);
  }
}

std::string join_keys(const std::vector<std::string_view>& keys) {
  std::string out;
  for (const std::string_view key : keys) {
    if (!out.empty()) out += ", ";
    out += key;
  }
  return out;
}

std::string show_decimal(double value) {
  char buffer[32];
  const std::to_chars_result written = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, written.ptr);
}

std::string show_text(const std::string& value, Visibility visibility) {
  switch (visibility) {
    case Visibility::kPlain:
      return value;
    case Visibility::kUrlWithSecret:
      return redact_url(value);
    case Visibility::kSecret:
      return value.empty() ? "(unset)" : "(set)";
  }
  return "***";
}

}  // namespace moodgate::config
