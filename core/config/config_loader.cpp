#include "core/config/config_loader.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/config/config_schema.h"
#include "core/config/config_tree.h"
#include "core/config/env_expansion.h"

namespace moodgate::config {
namespace {

constexpr const char* kDefaultConfigPath = "config/moodgate.yaml";

Error invalid(std::string message) {
  return Error{ErrorCode::kInvalidInput, std::move(message)};
}

std::vector<std::string_view> section_keys() {
  std::vector<std::string_view> keys;
  for (const SectionSpec& section : config_sections()) keys.push_back(section.key);
  return keys;
}

}  // namespace

Result<Config> load_config_text(const std::string& yaml_text, const std::string& source_name) {
  Result<ConfigNode> parsed = parse_config_tree(yaml_text, source_name);
  if (!parsed.ok()) return std::move(parsed).error();
  ConfigNode root = std::move(parsed).value();

  const std::vector<SectionSpec>& sections = config_sections();
  const std::string expected = "a map with the sections " + join_keys(section_keys());
  if (root.kind == ConfigNode::Kind::kNull) {
    return invalid(source_name + ": the file is empty; expected " + expected);
  }
  if (root.kind != ConfigNode::Kind::kMap) {
    return invalid(source_name + ": expected " + expected + " at the top level, got " +
                   describe_node(root));
  }
  expand_environment(root, process_environment());

  Config config;
  config.source = source_name;
  Problems problems(source_name);
  std::vector<bool> given(sections.size(), false);
  for_each_known_entry(root, "", section_keys(), problems,
                       [&](std::size_t index, const ConfigEntry& entry) {
                         given[index] = true;
                         sections[index].read(&entry.value, config, problems);
                       });
  // Absent sections still get a say: their required options are missing.
  for (std::size_t i = 0; i < sections.size(); ++i) {
    if (!given[i]) sections[i].read(nullptr, config, problems);
  }
  // Checks across sections, in section order, once every value is known.
  for (const SectionSpec& section : sections) {
    if (section.check) section.check(config, problems);
  }
  if (!problems.empty()) return invalid(problems.joined());
  return config;
}

Result<Config> load_config_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return invalid(path + ": cannot read the config file: it is a directory");
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    const int error = errno;
    return invalid(path + ": cannot read the config file: " +
                   std::generic_category().message(error != 0 ? error : ENOENT));
  }
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) return invalid(path + ": cannot read the config file: read error");
  return load_config_text(text.str(), path);
}

std::string resolve_config_path(const std::optional<std::string>& cli_path) {
  if (cli_path && !cli_path->empty()) return *cli_path;
  const char* from_env = std::getenv("MOODGATE_CONFIG");
  if (from_env != nullptr && *from_env != '\0') return from_env;
  return kDefaultConfigPath;
}

std::string describe_config_for_log(const Config& config) {
  std::vector<std::string> items;
  for (const SectionSpec& section : config_sections()) section.show(config, items);
  std::string line = "config=" + config.source;
  for (const std::string& item : items) line += " " + item;
  return line;
}

}  // namespace moodgate::config
