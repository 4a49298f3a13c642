#include "tests/providers/mock_schema_check.h"

#include <cmath>
#include <string>
#include <vector>

#include <rapidjson/pointer.h>

namespace moodgate::testing {
namespace {

using rapidjson::Value;

class Checker {
 public:
  explicit Checker(const Value& root) : root_(root) {}

  void check(const Value& schema, const Value& v, const std::string& path) {
    if (!schema.IsObject()) return;  // `true` and friends accept anything
    if (schema.HasMember("$ref")) {
      // Local references only, without percent-encoding ("#/$defs/x").
      std::string ref = schema["$ref"].GetString();
      rapidjson::Pointer pointer(ref.substr(ref.empty() ? 0 : 1).c_str());
      const Value* target = pointer.IsValid() ? pointer.Get(root_) : nullptr;
      if (target == nullptr) return fail(path, "unresolvable $ref");
      return check(*target, v, path);
    }
    if (schema.HasMember("anyOf")) {
      bool any = false;
      for (const Value& option : schema["anyOf"].GetArray()) {
        Checker trial(root_);
        trial.check(option, v, path);
        any = any || trial.problems.empty();
      }
      if (!any) fail(path, "matches no anyOf member");
    }
    if (schema.HasMember("type") && !type_matches(schema["type"], v)) fail(path, "wrong type");
    if (schema.HasMember("const") && !(schema["const"] == v)) fail(path, "not the const value");
    if (schema.HasMember("enum")) {
      bool member = false;
      for (const Value& m : schema["enum"].GetArray()) member = member || m == v;
      if (!member) fail(path, "not an enum member");
    }
    if (v.IsNumber()) check_number(schema, v.GetDouble(), path);
    if (v.IsString()) check_string(schema, v, path);
    if (v.IsArray()) check_array(schema, v, path);
    if (v.IsObject()) check_object(schema, v, path);
  }

  std::vector<std::string> problems;

 private:
  void fail(const std::string& path, const std::string& what) {
    problems.push_back((path.empty() ? "$" : path) + ": " + what);
  }

  static bool one_type_matches(const std::string& type, const Value& v) {
    if (type == "object") return v.IsObject();
    if (type == "array") return v.IsArray();
    if (type == "string") return v.IsString();
    if (type == "boolean") return v.IsBool();
    if (type == "null") return v.IsNull();
    if (type == "number") return v.IsNumber();
    if (type == "integer") {
      return v.IsInt64() || v.IsUint64() ||
             (v.IsDouble() && std::floor(v.GetDouble()) == v.GetDouble());
    }
    return false;
  }

  static bool type_matches(const Value& type, const Value& v) {
    if (type.IsString()) return one_type_matches(type.GetString(), v);
    for (const Value& t : type.GetArray()) {
      if (one_type_matches(t.GetString(), v)) return true;
    }
    return false;
  }

  void check_number(const Value& s, double x, const std::string& path) {
    if (s.HasMember("minimum") && x < s["minimum"].GetDouble()) fail(path, "below minimum");
    if (s.HasMember("maximum") && x > s["maximum"].GetDouble()) fail(path, "above maximum");
    if (s.HasMember("exclusiveMinimum") && s["exclusiveMinimum"].IsNumber() &&
        x <= s["exclusiveMinimum"].GetDouble()) {
      fail(path, "not above exclusiveMinimum");
    }
    if (s.HasMember("exclusiveMaximum") && s["exclusiveMaximum"].IsNumber() &&
        x >= s["exclusiveMaximum"].GetDouble()) {
      fail(path, "not below exclusiveMaximum");
    }
  }

  void check_string(const Value& s, const Value& v, const std::string& path) {
    double length = 0;
    for (const char* c = v.GetString(); c != v.GetString() + v.GetStringLength(); ++c) {
      if ((static_cast<unsigned char>(*c) & 0xC0) != 0x80) ++length;
    }
    if (s.HasMember("minLength") && length < s["minLength"].GetDouble()) fail(path, "too short");
    if (s.HasMember("maxLength") && length > s["maxLength"].GetDouble()) fail(path, "too long");
  }

  void check_array(const Value& s, const Value& v, const std::string& path) {
    double size = v.Size();
    if (s.HasMember("minItems") && size < s["minItems"].GetDouble()) fail(path, "too few items");
    if (s.HasMember("maxItems") && size > s["maxItems"].GetDouble()) fail(path, "too many items");
    if (!s.HasMember("items")) return;
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      check(s["items"], v[i], path + "[" + std::to_string(i) + "]");
    }
  }

  void check_object(const Value& s, const Value& v, const std::string& path) {
    if (s.HasMember("required")) {
      for (const Value& name : s["required"].GetArray()) {
        if (!v.HasMember(name)) fail(path, std::string("missing required ") + name.GetString());
      }
    }
    bool closed = s.HasMember("additionalProperties") && s["additionalProperties"].IsFalse();
    for (const auto& m : v.GetObject()) {
      std::string child = path + "." + m.name.GetString();
      if (s.HasMember("properties") && s["properties"].HasMember(m.name)) {
        check(s["properties"][m.name], m.value, child);
      } else if (closed) {
        fail(child, "not an allowed property");
      }
    }
  }

  const Value& root_;
};

}  // namespace

std::vector<std::string> schema_violations(const rapidjson::Value& schema,
                                           const rapidjson::Value& instance) {
  Checker checker(schema);
  checker.check(schema, instance, "");
  return checker.problems;
}

}  // namespace moodgate::testing
