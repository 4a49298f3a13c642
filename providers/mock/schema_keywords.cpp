#include "schema_keywords.h"

#include <rapidjson/pointer.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "utf8.h"

namespace moodgate::mock {
namespace {

using rapidjson::Value;

constexpr std::size_t kMaxItems = 1000;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The value a local reference ("#/$defs/mood") points at, or null. The fragment is
// percent-decoded here: RapidJSON's own URI-fragment parser refuses an unencoded '$'.
const Value* local_target(const Value& root, std::string_view ref) {
  if (ref.empty() || ref.front() != '#') return nullptr;
  std::string pointer;
  for (std::size_t i = 1; i < ref.size(); ++i) {
    if (ref[i] == '%' && i + 2 < ref.size() && hex_digit(ref[i + 1]) >= 0 &&
        hex_digit(ref[i + 2]) >= 0) {
      pointer += static_cast<char>(hex_digit(ref[i + 1]) * 16 + hex_digit(ref[i + 2]));
      i += 2;
    } else {
      pointer += ref[i];
    }
  }
  rapidjson::Pointer parsed(pointer.data(), pointer.size());
  return parsed.IsValid() ? parsed.Get(root) : nullptr;
}

}  // namespace

std::string name_key(std::string_view name) {
  std::string key;
  for (char c : name) {
    if (c == '_' || c == '-') continue;
    key += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return key;
}

std::string_view string_of(const Value& string) {
  return {string.GetString(), string.GetStringLength()};
}

const Value* member(const Value& object, const char* name) {
  auto found = object.FindMember(name);
  return found == object.MemberEnd() ? nullptr : &found->value;
}

std::optional<double> number_member(const Value& object, const char* name) {
  const Value* v = member(object, name);
  if (v == nullptr || !v->IsNumber()) return std::nullopt;
  return v->GetDouble();
}

std::string type_of(const Value& schema) {
  if (const Value* type = member(schema, "type")) {
    if (type->IsString()) return name_key(string_of(*type));
    if (type->IsArray()) {
      for (const Value& t : type->GetArray()) {
        if (t.IsString() && name_key(string_of(t)) != "null") return name_key(string_of(t));
      }
      return "null";
    }
  }
  if (member(schema, "properties") || member(schema, "required")) return "object";
  if (member(schema, "items") || member(schema, "minItems") || member(schema, "maxItems")) {
    return "array";
  }
  if (member(schema, "minimum") || member(schema, "maximum")) return "number";
  return "string";
}

const Value& resolve(const Value& root, const Value& schema) {
  const Value* s = &schema;
  for (int hops = 0; hops < 16 && s->IsObject(); ++hops) {
    if (const Value* ref = member(*s, "$ref"); ref && ref->IsString()) {
      const Value* target = local_target(root, string_of(*ref));
      if (target == nullptr) break;
      s = target;
      continue;
    }
    const Value* choice = nullptr;
    for (const char* combinator : {"anyOf", "oneOf", "allOf"}) {
      const Value* members = member(*s, combinator);
      if (members == nullptr || !members->IsArray() || members->Empty()) continue;
      choice = &(*members)[0];
      for (const Value& m : members->GetArray()) {
        if (!m.IsObject() || type_of(m) != "null") {
          choice = &m;
          break;
        }
      }
      break;
    }
    if (choice == nullptr) break;
    s = choice;
  }
  return *s;
}

double fit_number(const Value& schema, double wanted, bool integer) {
  double v = wanted;
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;
  bool hi_open = false;
  if (auto m = number_member(schema, "minimum")) lo = *m;
  if (auto m = number_member(schema, "maximum")) hi = *m;
  if (auto m = number_member(schema, "exclusiveMinimum"); m && *m >= lo) lo = *m, lo_open = true;
  if (auto m = number_member(schema, "exclusiveMaximum"); m && *m <= hi) hi = *m, hi_open = true;
  // Draft 4 spells exclusive bounds as booleans beside minimum/maximum.
  if (const Value* e = member(schema, "exclusiveMinimum"); e && e->IsTrue()) lo_open = true;
  if (const Value* e = member(schema, "exclusiveMaximum"); e && e->IsTrue()) hi_open = true;
  if (integer) {
    double low = lo_open ? std::floor(lo) + 1 : std::ceil(lo);
    double high = hi_open ? std::ceil(hi) - 1 : std::floor(hi);
    return std::max(std::min(std::round(v), high), low);
  }
  if (v < lo || (lo_open && v <= lo)) {
    v = !lo_open ? lo : std::isfinite(hi) ? (lo + hi) / 2 : lo + 1;
  }
  if (v > hi || (hi_open && v >= hi)) {
    v = !hi_open ? hi : std::isfinite(lo) ? (lo + hi) / 2 : hi - 1;
  }
  return v;
}

std::string fit_length(const Value& schema, std::string text) {
  if (auto max = number_member(schema, "maxLength")) text = truncate_code_points(text, *max);
  if (auto min = number_member(schema, "minLength")) {
    // Padding stops at the instance limit, whatever minLength says.
    const auto wanted = static_cast<std::size_t>(
        std::clamp(std::ceil(*min), 0.0, static_cast<double>(kMaxInstanceBytes)));
    if (const std::size_t n = code_points(text); n < wanted) text.append(wanted - n, '.');
  }
  return text;
}

std::size_t fit_item_count(const Value& schema, std::size_t wanted) {
  double count = static_cast<double>(wanted);
  if (auto min = number_member(schema, "minItems")) count = std::max(count, *min);
  if (auto max = number_member(schema, "maxItems")) count = std::min(count, *max);
  return static_cast<std::size_t>(std::clamp(count, 0.0, static_cast<double>(kMaxItems)));
}

std::string format_example(std::string_view format) {
  if (format == "date-time") return "2024-01-01T00:00:00Z";
  if (format == "date") return "2024-01-01";
  if (format == "time") return "00:00:00Z";
  if (format == "email") return "mock@example.com";
  if (format == "uri" || format == "url") return "https://example.com/mock";
  if (format == "uuid") return "00000000-0000-4000-8000-000000000000";
  return "";
}

}  // namespace moodgate::mock
