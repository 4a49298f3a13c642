// Option tables: how core/config/ declares each YAML option in one place.
//
// A map of options -- a section of the file (`server:`, `database:`, ...) or a map nested in one
// -- is a table of OptionSpec rows. A row names the key, says in one line what it means, reads and
// validates the YAML value into one field of the map's struct, and shows the field for the
// startup log line. Defaults are the structs' member initializers in config.h (a row never
// repeats them); config/moodgate.yaml documents every row. An option exists exactly when it has a
// row, so unknown keys are found by the table. read_options() reads any such map; a row whose
// value has a shape of its own (a map of named entries, like providers.instances) reads that
// itself, and may call read_options() for each entry.
//
// The top level is a table of SectionSpecs. flat_section() builds one from OptionSpec rows.
//
// Readers report through Problems and never stop at the first error; a reader that fails leaves
// the field at its default. Values from the environment are never quoted (describe_node()).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config/config.h"
#include "core/config/config_problems.h"
#include "core/config/config_tree.h"
#include "core/config/value_syntax.h"

namespace moodgate::config {

// ---- Readers: one YAML value -> one C++ value, or a problem at `path` and nullopt. ----

// An integer in min..max ("expected an integer 0..65535, got ...").
std::optional<long long> read_integer(const ConfigNode& node, const std::string& path,
                                      long long min, long long max, Problems& problems);
// true or false, nothing else ("expected true or false, got ...").
std::optional<bool> read_boolean(const ConfigNode& node, const std::string& path,
                                 Problems& problems);
// A byte count written as an integer or <n>KiB / <n>MiB, in min..max.
std::optional<std::uint64_t> read_byte_size(const ConfigNode& node, const std::string& path,
                                            std::uint64_t min, std::uint64_t max,
                                            Problems& problems);
// A decimal number with min <= value < below; `expected` completes "expected ..., got ..." in the
// option's own words ("a price in USD, 0 or more").
std::optional<double> read_decimal(const ConfigNode& node, const std::string& path,
                                   std::string_view expected, double min, double below,
                                   Problems& problems);
// One of `choices` ("expected one of a, b, c, got ...").
std::optional<std::string> read_choice(const ConfigNode& node, const std::string& path,
                                       const std::vector<std::string_view>& choices,
                                       Problems& problems);

// What a free-form string must look like.
struct TextRule {
  std::string_view expected = "a string";              // completes "expected ..., got ..."
  bool allow_empty = false;                            // else "must not be empty"
  std::function<bool(std::string_view)> accepts = {};  // empty = any text
  Visibility visibility = Visibility::kPlain;
};

// A string satisfying `rule`.
std::optional<std::string> read_text(const ConfigNode& node, const std::string& path,
                                     const TextRule& rule, Problems& problems);
// A list (possibly empty) whose items each satisfy `item_rule`; items are reported by index.
// `expected` completes "expected ..., got ..." for a value that is not a list.
std::optional<std::vector<std::string>> read_text_list(const ConfigNode& node,
                                                       const std::string& path,
                                                       std::string_view expected,
                                                       const TextRule& item_rule,
                                                       Problems& problems);

// A map (possibly empty; `key:` with nothing after it is one) from free-form keys to values that
// each satisfy `value_rule`; a repeated key is "duplicate key". `expected` completes "expected
// ..., got ..." for a value that is not a map, quoted per `value_rule.visibility`.
std::optional<std::map<std::string, std::string>> read_text_map(const ConfigNode& node,
                                                                const std::string& path,
                                                                std::string_view expected,
                                                                const TextRule& value_rule,
                                                                Problems& problems);

// Walks a map's entries in file order, reporting unknown keys ("unknown key (known: a, b)") and
// repeated ones ("duplicate key (first given on line 3)"); calls `visit` with the row index of
// each first occurrence of a known key.
void for_each_known_entry(const ConfigNode& map, const std::string& path,
                          const std::vector<std::string_view>& known, Problems& problems,
                          const std::function<void(std::size_t, const ConfigEntry&)>& visit);

// "a, b, c".
std::string join_keys(const std::vector<std::string_view>& keys);

// ---- Rows ----

template <typename Section>
struct OptionSpec {
  std::string_view key;
  std::string_view meaning;  // one line; config/moodgate.yaml has the long form
  bool required = false;     // when true, leaving it out is an error rather than the default
  std::function<void(const ConfigNode&, const std::string& path, Section&, Problems&)> read;
  std::function<std::string(const Section&)> show;  // for the startup log; hides secrets
};

template <typename Section>
OptionSpec<Section> required(OptionSpec<Section> row) {
  row.required = true;
  return row;
}

template <typename Section>
OptionSpec<Section> integer_option(std::string_view key, std::string_view meaning,
                                   int Section::*field, int min, int max) {
  return {key, meaning, false,
          [=](const ConfigNode& node, const std::string& path, Section& s, Problems& p) {
            if (auto v = read_integer(node, path, min, max, p)) s.*field = static_cast<int>(*v);
          },
          [=](const Section& s) { return std::to_string(s.*field); }};
}

template <typename Section>
OptionSpec<Section> boolean_option(std::string_view key, std::string_view meaning,
                                   bool Section::*field) {
  return {key, meaning, false,
          [=](const ConfigNode& node, const std::string& path, Section& s, Problems& p) {
            if (auto v = read_boolean(node, path, p)) s.*field = *v;
          },
          [=](const Section& s) { return std::string(s.*field ? "true" : "false"); }};
}

template <typename Section>
OptionSpec<Section> byte_size_option(std::string_view key, std::string_view meaning,
                                     std::size_t Section::*field, std::uint64_t min,
                                     std::uint64_t max) {
  return {key, meaning, false,
          [=](const ConfigNode& node, const std::string& path, Section& s, Problems& p) {
            if (auto v = read_byte_size(node, path, min, max, p)) {
              s.*field = static_cast<std::size_t>(*v);
            }
          },
          [=](const Section& s) { return format_byte_size(s.*field); }};
}

// How a decimal field appears in the startup log line: the shortest text that reads back as the
// same number ("0.3", "2.5", "1e-07").
std::string show_decimal(double value);

// A decimal number with min <= value < below (read_decimal()).
template <typename Section>
OptionSpec<Section> decimal_option(std::string_view key, std::string_view meaning,
                                   double Section::*field, std::string_view expected, double min,
                                   double below) {
  return {key, meaning, false,
          [=](const ConfigNode& node, const std::string& path, Section& s, Problems& p) {
            if (auto v = read_decimal(node, path, expected, min, below, p)) s.*field = *v;
          },
          [=](const Section& s) { return show_decimal(s.*field); }};
}

template <typename Section>
OptionSpec<Section> choice_option(std::string_view key, std::string_view meaning,
                                  std::string Section::*field,
                                  const std::vector<std::string_view>& choices) {
  return {key, meaning, false,
          [=](const ConfigNode& node, const std::string& path, Section& s, Problems& p) {
            if (auto v = read_choice(node, path, choices, p)) s.*field = std::move(*v);
          },
          [=](const Section& s) { return s.*field; }};
}

// How a text field appears in the startup log line, per its rule's visibility.
std::string show_text(const std::string& value, Visibility visibility);

template <typename Section>
OptionSpec<Section> text_option(std::string_view key, std::string_view meaning,
                                std::string Section::*field, TextRule rule) {
  return {key, meaning, false,
          [=](const ConfigNode& node, const std::string& path, Section& s, Problems& p) {
            if (auto v = read_text(node, path, rule, p)) s.*field = std::move(*v);
          },
          [=](const Section& s) { return show_text(s.*field, rule.visibility); }};
}

// A value written as text, which `parse` turns into the field (an optional, empty when the text
// is malformed) and `format` writes back canonically for the log; `syntax` completes "expected
// ..., got ..." in messages.
template <typename Section, typename Field, typename Parse, typename Format>
OptionSpec<Section> parsed_option(std::string_view key, std::string_view meaning,
                                  Field Section::*field, std::string_view syntax, Parse parse,
                                  Format format) {
  return {key, meaning, false,
          [=](const ConfigNode& node, const std::string& path, Section& s, Problems& p) {
            const TextRule rule{.expected = syntax, .accepts = [parse](std::string_view text) {
                                  return parse(text).has_value();
                                }};
            if (auto text = read_text(node, path, rule, p)) s.*field = *parse(*text);
          },
          [=](const Section& s) { return format(s.*field); }};
}

// A fixed-window rate written "<count>/<window>" ("5/1h") or "off" (value_syntax.h).
template <typename Section>
OptionSpec<Section> rate_option(std::string_view key, std::string_view meaning,
                                RateLimitRule Section::*field) {
  return parsed_option<Section>(
      key, meaning, field, kRateSyntax,
      [](std::string_view text) -> std::optional<RateLimitRule> {
        const auto rate = parse_rate(text);
        if (!rate) return std::nullopt;
        return RateLimitRule{rate->first, rate->second};
      },
      [](const RateLimitRule& rule) { return format_rate(rule.limit, rule.window_s); });
}

// A fixed-window spend cap written "<usd>/<window>" ("2.00/1d") or "off" (value_syntax.h).
template <typename Section>
OptionSpec<Section> spend_option(std::string_view key, std::string_view meaning,
                                 SpendLimitRule Section::*field) {
  return parsed_option<Section>(
      key, meaning, field, kSpendSyntax,
      [](std::string_view text) -> std::optional<SpendLimitRule> {
        const auto spend = parse_spend(text);
        if (!spend) return std::nullopt;
        return SpendLimitRule{spend->first, spend->second};
      },
      [](const SpendLimitRule& rule) { return format_spend(rule.micros, rule.window_s); });
}

// A list of strings; `check_list`, when given, judges the list as a whole and returns a problem.
template <typename Section>
OptionSpec<Section> text_list_option(
    std::string_view key, std::string_view meaning, std::vector<std::string> Section::*field,
    std::string_view expected, const TextRule& item_rule,
    const std::function<std::optional<std::string>(const std::vector<std::string>&)>& check_list =
        {}) {
  return {key, meaning, false,
          [=](const ConfigNode& node, const std::string& path, Section& s, Problems& p) {
            auto v = read_text_list(node, path, expected, item_rule, p);
            if (!v) return;
            if (check_list) {
              if (auto problem = check_list(*v)) return p.add(path, *problem);
            }
            s.*field = std::move(*v);
          },
          [=](const Section& s) {
            std::string out = "[";
            for (const std::string& item : s.*field) {
              out += (out.size() == 1 ? "" : ",") + show_text(item, item_rule.visibility);
            }
            return out + "]";
          }};
}

// A map from free-form keys to strings (read_text_map()), e.g. settings handed on as they are.
template <typename Section>
OptionSpec<Section> text_map_option(std::string_view key, std::string_view meaning,
                                    std::map<std::string, std::string> Section::*field,
                                    std::string_view expected, const TextRule& value_rule) {
  return {key, meaning, false,
          [=](const ConfigNode& node, const std::string& path, Section& s, Problems& p) {
            if (auto v = read_text_map(node, path, expected, value_rule, p)) {
              s.*field = std::move(*v);
            }
          },
          [=](const Section& s) {
            std::string out = "{";
            for (const auto& [name, value] : s.*field) {
              out += (out.size() == 1 ? "" : ",") + name + "=" +
                     show_text(value, value_rule.visibility);
            }
            return out + "}";
          }};
}

// ---- Tables: a map of options, one row each ----

// The keys of `rows`, in order (the order messages list them in).
template <typename Section>
std::vector<std::string_view> option_keys(const std::vector<OptionSpec<Section>>& rows) {
  std::vector<std::string_view> keys;
  for (const OptionSpec<Section>& row : rows) keys.push_back(row.key);
  return keys;
}

// Reads the map `node` into `section`, each given option through its row. Unknown and repeated
// keys are problems, and so are required rows left out. `node` is nullptr when the map is left
// out: then only the required rows are reported. A `node` that is not a map is reported
// ("expected a map with the keys a, b, got ...") and nothing is read; returns false then.
template <typename Section>
bool read_options(const ConfigNode* node, const std::string& path,
                  const std::vector<OptionSpec<Section>>& rows, Section& section,
                  Problems& problems) {
  const std::vector<std::string_view> keys = option_keys(rows);
  std::vector<bool> given(rows.size(), false);
  if (node != nullptr) {
    if (node->kind != ConfigNode::Kind::kMap) {
      problems.add(path, "expected a map with the keys " + join_keys(keys) + ", got " +
                             describe_node(*node));
      return false;
    }
    for_each_known_entry(
        *node, path, keys, problems, [&](std::size_t index, const ConfigEntry& entry) {
          given[index] = true;
          rows[index].read(entry.value, child_path(path, entry.key), section, problems);
        });
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].required && !given[i]) {
      problems.add(child_path(path, rows[i].key), "required, but not given");
    }
  }
  return true;
}

// A map of options nested in a section (quotas.per_user), read row by row into `member` and
// shown as "{key=value,...}". Left out or empty, every option keeps its default.
template <typename Section, typename Nested>
OptionSpec<Section> nested_option(std::string_view key, std::string_view meaning,
                                  Nested Section::*member, std::vector<OptionSpec<Nested>> rows) {
  const auto table = std::make_shared<const std::vector<OptionSpec<Nested>>>(std::move(rows));
  return {key, meaning, false,
          [=](const ConfigNode& node, const std::string& path, Section& s, Problems& p) {
            const ConfigNode* map = node.kind == ConfigNode::Kind::kNull ? nullptr : &node;
            read_options(map, path, *table, s.*member, p);
          },
          [=](const Section& s) {
            std::string out = "{";
            for (const OptionSpec<Nested>& row : *table) {
              out +=
                  (out.size() == 1 ? "" : ",") + std::string(row.key) + "=" + row.show(s.*member);
            }
            return out + "}";
          }};
}

// ---- Sections ----

struct SectionSpec {
  std::string_view key;
  std::string_view meaning;
  std::vector<std::string_view> option_keys;  // for messages and documentation checks
  // Reads the section's node (nullptr when the file leaves the section out) into `config`.
  std::function<void(const ConfigNode* node, Config& config, Problems&)> read;
  // Appends "section.key=value" items for the startup log line.
  std::function<void(const Config& config, std::vector<std::string>& items)> show;
  // Judges the section against the others once every section is read (empty: nothing to judge),
  // e.g. a bound that depends on another section's option.
  std::function<void(const Config& config, Problems&)> check;
};

// A section that is a map of options, each read by one row (read_options()), and logged row by
// row as "section.key=value".
template <typename Section>
SectionSpec flat_section(std::string_view key, std::string_view meaning, Section Config::*member,
                         std::vector<OptionSpec<Section>> rows) {
  SectionSpec spec;
  spec.key = key;
  spec.meaning = meaning;
  spec.option_keys = option_keys(rows);
  const auto table = std::make_shared<const std::vector<OptionSpec<Section>>>(std::move(rows));
  const std::string path(key);
  spec.read = [table, member, path](const ConfigNode* node, Config& config, Problems& problems) {
    // `server:` with every option commented out is an empty section, not an error.
    if (node != nullptr && node->kind == ConfigNode::Kind::kNull) node = nullptr;
    read_options(node, path, *table, config.*member, problems);
  };
  spec.show = [table, member, path](const Config& config, std::vector<std::string>& items) {
    for (const OptionSpec<Section>& row : *table) {
      items.push_back(child_path(path, row.key) + "=" + row.show(config.*member));
    }
  };
  return spec;
}

}  // namespace moodgate::config
