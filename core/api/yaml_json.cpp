#include "core/api/yaml_json.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <unordered_set>

namespace moodgate::api {
namespace {

// Refuses invalid UTF-8 instead of copying it into the JSON text.
using Writer = rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                                 rapidjson::CrtAllocator, rapidjson::kWriteValidateEncodingFlag>;

constexpr int kMaxDepth = 512;

constexpr std::string_view kPlainTag = "?";     // a plain scalar, or a collection without a tag
constexpr std::string_view kNonSpecific = "!";  // quoted and block scalars
constexpr std::string_view kStrTag = "tag:yaml.org,2002:str";
constexpr std::string_view kNullTag = "tag:yaml.org,2002:null";
constexpr std::string_view kBoolTag = "tag:yaml.org,2002:bool";
constexpr std::string_view kIntTag = "tag:yaml.org,2002:int";
constexpr std::string_view kFloatTag = "tag:yaml.org,2002:float";
constexpr std::string_view kSeqTag = "tag:yaml.org,2002:seq";
constexpr std::string_view kMapTag = "tag:yaml.org,2002:map";

enum class Kind { kNull, kTrue, kFalse, kInteger, kNumber, kString };

std::string where(const YAML::Mark& mark) {
  if (mark.is_null()) return "";
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1);
}

Error error_at(const YAML::Mark& mark, const std::string& what) {
  const std::string at = where(mark);
  return Error(ErrorCode::kInvalidInput, at.empty() ? what : at + ": " + what);
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Whether `s` is a number as JSON writes one: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
// `integer` says whether it has neither fraction nor exponent.
bool is_json_number(std::string_view s, bool& integer) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  integer = true;
  if (i < s.size() && s[i] == '.') {
    ++i;
    integer = false;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    integer = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

// How a plain (untagged, unquoted) scalar reads.
Kind classify_plain(std::string_view s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return Kind::kNull;
  if (s == "true" || s == "True" || s == "TRUE") return Kind::kTrue;
  if (s == "false" || s == "False" || s == "FALSE") return Kind::kFalse;
  bool integer = false;
  if (is_json_number(s, integer)) return integer ? Kind::kInteger : Kind::kNumber;
  return Kind::kString;
}

// The JSON kind of a scalar node, given its tag; an Error for a tag we do not map.
Result<Kind> scalar_kind(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  const std::string& text = node.Scalar();
  if (tag == kNonSpecific || tag == kStrTag) return Kind::kString;
  const Kind plain = classify_plain(text);
  if (tag == kPlainTag || tag.empty()) return plain;
  auto must = [&](bool fits, const char* what) -> Result<Kind> {
    if (fits) return plain;
    return error_at(node.Mark(), "\"" + text + "\" is not " + what + " (tag " + tag + ")");
  };
  if (tag == kNullTag) return must(plain == Kind::kNull, "null");
  if (tag == kBoolTag) return must(plain == Kind::kTrue || plain == Kind::kFalse, "a boolean");
  if (tag == kIntTag) return must(plain == Kind::kInteger, "an integer");
  if (tag == kFloatTag) {
    return must(plain == Kind::kInteger || plain == Kind::kNumber, "a number");
  }
  return error_at(node.Mark(), "unsupported tag " + tag);
}

Status write_string(Writer& w, const std::string& text, const YAML::Mark& mark) {
  if (!w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()))) {
    return error_at(mark, "text that is not valid UTF-8");
  }
  return {};
}

Status write_scalar(Writer& w, const YAML::Node& node) {
  auto kind = scalar_kind(node);
  if (!kind) return std::move(kind).error();
  const std::string& text = node.Scalar();
  switch (*kind) {
    case Kind::kNull:
      w.Null();
      return {};
    case Kind::kTrue:
      w.Bool(true);
      return {};
    case Kind::kFalse:
      w.Bool(false);
      return {};
    case Kind::kInteger:
    case Kind::kNumber: {
      // Written as it stands (no round trip through a double), but only if a JSON reader can
      // hold it: 1e999 would be infinity. RawValue, not RawNumber: RapidJSON 1.1.0's RawNumber
      // writes a quoted string.
      double value = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
        return error_at(node.Mark(), "the number " + text + " is too large");
      }
      w.RawValue(text.data(), text.size(), rapidjson::kNumberType);
      return {};
    }
    case Kind::kString:
      return write_string(w, text, node.Mark());
  }
  return {};
}

Status check_collection_tag(const YAML::Node& node, std::string_view standard) {
  const std::string& tag = node.Tag();
  if (tag.empty() || tag == kPlainTag || tag == kNonSpecific || tag == standard) return {};
  return error_at(node.Mark(), "unsupported tag " + tag);
}

Status write_node(Writer& w, const YAML::Node& node, int depth) {
  if (depth > kMaxDepth) {
    return error_at(node.Mark(), "nested deeper than " + std::to_string(kMaxDepth) +
                                     " levels (an alias inside itself?)");
  }
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      if (node.Tag() == kStrTag) return write_string(w, "", node.Mark());
      w.Null();
      return {};
    case YAML::NodeType::Scalar:
      return write_scalar(w, node);
    case YAML::NodeType::Sequence: {
      if (Status ok = check_collection_tag(node, kSeqTag); !ok) return ok;
      w.StartArray();
      for (const YAML::Node& item : node) {
        if (Status ok = write_node(w, item, depth + 1); !ok) return ok;
      }
      w.EndArray();
      return {};
    }
    case YAML::NodeType::Map: {
      if (Status ok = check_collection_tag(node, kMapTag); !ok) return ok;
      std::unordered_set<std::string> seen;
      w.StartObject();
      for (const auto& pair : node) {
        const YAML::Node& key = pair.first;
        if (key.Type() != YAML::NodeType::Scalar) {
          return error_at(key.Mark(), "a mapping key must be text, not null or a collection");
        }
        if (!seen.insert(key.Scalar()).second) {
          return error_at(key.Mark(), "the key \"" + key.Scalar() + "\" appears twice");
        }
        if (!w.Key(key.Scalar().data(), static_cast<rapidjson::SizeType>(key.Scalar().size()))) {
          return error_at(key.Mark(), "a key that is not valid UTF-8");
        }
        if (Status ok = write_node(w, pair.second, depth + 1); !ok) return ok;
      }
      w.EndObject();
      return {};
    }
  }
  return {};
}

}  // namespace

Result<std::string> yaml_to_json(std::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return error_at(e.mark, "invalid YAML: " + e.msg);
  }
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  if (Status ok = write_node(writer, root, 0); !ok) return std::move(ok).error();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace moodgate::api
