#include "core/config/config_tree.h"

#include <cstdio>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "core/config/redact.h"

namespace moodgate::config {
namespace {

// Deep enough for any real config; shallow enough to stop a self-referencing alias (`&a [*a]`,
// which yaml-cpp turns into a cycle) before the stack does.
constexpr int kMaxDepth = 32;
constexpr std::size_t kMaxQuotedChars = 60;

Error invalid(std::string message) {
  return Error{ErrorCode::kInvalidInput, std::move(message)};
}

std::string location(const std::string& source, const YAML::Mark& mark) {
  return source + ": line " + std::to_string(mark.line + 1) + ", column " +
         std::to_string(mark.column + 1);
}

int line_of(const YAML::Node& node) {
  const int line = node.Mark().line;
  return line < 0 ? 0 : line + 1;
}

// Converts a yaml-cpp node; returns the message of the first structural problem, if any.
std::optional<std::string> convert(const YAML::Node& in, int depth, const std::string& source,
                                   ConfigNode& out) {
  out.line = line_of(in);
  if (depth > kMaxDepth) {
    return location(source, in.Mark()) + ": nesting deeper than " + std::to_string(kMaxDepth) +
           " levels (a recursive alias?)";
  }
  switch (in.Type()) {
    case YAML::NodeType::Scalar:
      out.kind = ConfigNode::Kind::kScalar;
      out.raw = in.Scalar();
      out.value = out.raw;
      return std::nullopt;
    case YAML::NodeType::Sequence:
      out.kind = ConfigNode::Kind::kList;
      for (const YAML::Node& item : in) {
        if (auto problem = convert(item, depth + 1, source, out.items.emplace_back())) {
          return problem;
        }
      }
      return std::nullopt;
    case YAML::NodeType::Map:
      out.kind = ConfigNode::Kind::kMap;
      for (const auto& pair : in) {
        if (!pair.first.IsScalar()) {
          return location(source, pair.first.Mark()) + ": map keys must be plain strings";
        }
        ConfigEntry& entry = out.entries.emplace_back();
        entry.key = pair.first.Scalar();
        entry.line = line_of(pair.first);
        if (auto problem = convert(pair.second, depth + 1, source, entry.value)) return problem;
      }
      return std::nullopt;
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      out.kind = ConfigNode::Kind::kNull;
      return std::nullopt;
  }
  return std::nullopt;
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  std::size_t shown = 0;
  for (const char c : text) {
    // Count characters, not bytes, so the cut never splits a UTF-8 sequence.
    const bool starts_character = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (starts_character && shown++ == kMaxQuotedChars) {
      out += "...";
      break;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

std::string describe_node(const ConfigNode& node, Visibility visibility) {
  switch (node.kind) {
    case ConfigNode::Kind::kNull:
      return "an empty value";
    case ConfigNode::Kind::kList:
      return "a list";
    case ConfigNode::Kind::kMap:
      return "a map";
    case ConfigNode::Kind::kScalar:
      break;
  }
  if (node.from_environment()) {
    std::string names;
    for (const std::string& name : node.env_vars) {
      names += (names.empty() ? "${" : ", ${") + name + "}";
    }
    return "(value from " + names + ")";
  }
  switch (visibility) {
    case Visibility::kPlain:
      return quote(node.raw);
    case Visibility::kUrlWithSecret:
      return quote(redact_url(node.raw));
    case Visibility::kSecret:
      return "(a hidden value)";
  }
  return "(a hidden value)";
}

Result<ConfigNode> parse_config_tree(const std::string& yaml_text, const std::string& source) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(yaml_text);
  } catch (const YAML::ParserException& e) {
    return invalid(location(source, e.mark) + ": invalid YAML: " + e.msg);
  } catch (const YAML::Exception& e) {
    return invalid(source + ": invalid YAML: " + e.msg);
  }
  ConfigNode root;
  if (documents.empty()) return root;
  if (documents.size() > 1) {
    return invalid(source + ": the file holds " + std::to_string(documents.size()) +
                   " YAML documents (separated by ---); expected one");
  }
  if (auto problem = convert(documents.front(), 0, source, root)) return invalid(*problem);
  return root;
}

}  // namespace moodgate::config
