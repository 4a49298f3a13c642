#include "gemini_common/json_text.h"

namespace moodgate::providers::gemini_common {

const rapidjson::Value* find_member(const rapidjson::Value& value, const char* name) {
  if (!value.IsObject()) return nullptr;
  auto it = value.FindMember(name);
  return it == value.MemberEnd() ? nullptr : &it->value;
}

const rapidjson::Value* find_object(const rapidjson::Value& value, const char* name) {
  const rapidjson::Value* found = find_member(value, name);
  return found != nullptr && found->IsObject() ? found : nullptr;
}

const rapidjson::Value* find_array(const rapidjson::Value& value, const char* name) {
  const rapidjson::Value* found = find_member(value, name);
  return found != nullptr && found->IsArray() ? found : nullptr;
}

std::string_view string_member(const rapidjson::Value& value, const char* name) {
  const rapidjson::Value* found = find_member(value, name);
  return found != nullptr && found->IsString() ? view(*found) : std::string_view();
}

std::optional<long long> integer_member(const rapidjson::Value& value, const char* name) {
  const rapidjson::Value* found = find_member(value, name);
  if (found == nullptr || !found->IsInt64()) return std::nullopt;
  return found->GetInt64();
}

bool is_true(const rapidjson::Value& value, const char* name) {
  const rapidjson::Value* found = find_member(value, name);
  return found != nullptr && found->IsTrue();
}

}  // namespace moodgate::providers::gemini_common
