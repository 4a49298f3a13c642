#include "core/api/json_body.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <strings.h>

#include "moodgate/json.h"

namespace moodgate::api {

struct JsonBody::Doc {
  rapidjson::Document document;
};

namespace {

// application/json or any application/*+json, parameters (charset) allowed.
bool is_json_media_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  const std::string lower = [&] {
    std::string s(type);
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }();
  if (lower == "application/json") return true;
  return lower.rfind("application/", 0) == 0 && lower.size() > 17 &&
         lower.compare(lower.size() - 5, 5, "+json") == 0;
}

const char* type_name(const rapidjson::Value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return "a boolean";
    case rapidjson::kObjectType:
      return "an object";
    case rapidjson::kArrayType:
      return "an array";
    case rapidjson::kStringType:
      return "a string";
    case rapidjson::kNumberType:
      return "a number";
  }
  return "a value";
}

// The member `field` of `obj`, compared by length: FindMember(StringRef(...)) would take the
// const char* overload, which reads `field` up to a NUL (past the end of a view that has none,
// and only up to an embedded "\u0000").
rapidjson::Value::ConstMemberIterator find(const rapidjson::Value& obj, std::string_view field) {
  const rapidjson::Value name(rapidjson::StringRef(field.data(), field.size()));
  return obj.FindMember(name);
}

}  // namespace

Error wrong_type(std::string_view field, const rapidjson::Value& v, const char* expected) {
  return Error::invalid_input(std::string(field) + " must be " + expected + ", not " + type_name(v),
                              std::string(field));
}

Result<JsonBody> JsonBody::parse(const http::HttpRequest& request) {
  const auto content_type = request.header("Content-Type");
  if (!content_type || !is_json_media_type(*content_type)) {
    return Error(ErrorCode::kUnsupportedMediaType,
                 "The request body must be JSON, sent with Content-Type: application/json");
  }
  auto doc = std::make_shared<Doc>();
  // Trailing content after the value is an error too (kParseErrorDocumentRootNotSingular).
  sdk::JsonOptions options;
  options.validate_utf8 = true;
  if (const auto error = sdk::parse_json(request.body, doc->document, options)) {
    if (error->too_deep()) {
      Error e(ErrorCode::kInvalidInput, "The request body " + error->describe());
      e.with("max_depth", static_cast<long long>(error->max_depth));
      return e;
    }
    Error e(ErrorCode::kInvalidInput, std::string("The request body is not valid JSON: ") +
                                          rapidjson::GetParseError_En(error->code));
    e.with("offset", static_cast<long long>(error->offset));
    return e;
  }
  if (!doc->document.IsObject()) {
    return Error(ErrorCode::kInvalidInput, "The request body must be a JSON object");
  }
  JsonBody body;
  body.doc_ = std::move(doc);
  return body;
}

Result<JsonBody> JsonBody::parse_optional(const http::HttpRequest& request) {
  if (!request.body.empty()) return parse(request);
  auto doc = std::make_shared<Doc>();
  doc->document.SetObject();
  JsonBody body;
  body.doc_ = std::move(doc);
  return body;
}

const rapidjson::Value& JsonBody::root() const {
  return doc_->document;
}

Result<std::optional<long long>> JsonBody::optional_integer(std::string_view field, long long min,
                                                            long long max) const {
  const auto& obj = doc_->document;
  const auto it = find(obj, field);
  if (it == obj.MemberEnd() || it->value.IsNull()) return std::optional<long long>();
  if (!it->value.IsInt64()) return wrong_type(field, it->value, "an integer");
  const long long v = it->value.GetInt64();
  if (v < min || v > max) {
    Error e = Error::invalid_input(
        std::string(field) + " must be from " + std::to_string(min) + " to " + std::to_string(max),
        std::string(field));
    e.with("value", v);
    return e;
  }
  return std::optional<long long>(v);
}

bool JsonBody::has(std::string_view field) const {
  const auto& obj = doc_->document;
  return find(obj, field) != obj.MemberEnd();
}

Result<std::string> JsonBody::required_string(std::string_view field) const {
  const auto& obj = doc_->document;
  const auto it = find(obj, field);
  if (it == obj.MemberEnd() || it->value.IsNull()) {
    return Error::invalid_input(std::string(field) + " is required", std::string(field));
  }
  if (!it->value.IsString()) return wrong_type(field, it->value, "a string");
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

Result<std::optional<std::string>> JsonBody::optional_string(std::string_view field) const {
  const auto& obj = doc_->document;
  const auto it = find(obj, field);
  if (it == obj.MemberEnd() || it->value.IsNull()) return std::optional<std::string>();
  if (!it->value.IsString()) return wrong_type(field, it->value, "a string");
  return std::optional<std::string>(
      std::string(it->value.GetString(), it->value.GetStringLength()));
}

}  // namespace moodgate::api
