#include "gemini_common/error_reply.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "gemini_common/failure_message.h"
#include "gemini_common/json_text.h"
#include "moodgate/json.h"

namespace moodgate::providers::gemini_common {
namespace {

using sdk::FailureKind;

// What an error body says beyond its HTTP status.
struct ErrorFacts {
  std::string status;   // e.g. "RESOURCE_EXHAUSTED"
  std::string message;  // Google's human-readable message
  bool key_problem = false;
  std::optional<std::chrono::milliseconds> retry_delay;
};

bool same_letter(char a, char b) {
  return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
}

bool contains_ignoring_case(std::string_view text, std::string_view needle) {
  return std::search(text.begin(), text.end(), needle.begin(), needle.end(), same_letter) !=
         text.end();
}

ErrorFacts read_error(const rapidjson::Value& error) {
  ErrorFacts facts;
  facts.status = std::string(string_member(error, "status"));
  facts.message = std::string(string_member(error, "message"));
  facts.key_problem = contains_ignoring_case(facts.message, "API key");
  if (const rapidjson::Value* details = find_array(error, "details")) {
    for (const rapidjson::Value& detail : details->GetArray()) {
      const std::string_view type = string_member(detail, "@type");
      if (type.ends_with("google.rpc.ErrorInfo") &&
          string_member(detail, "reason").starts_with("API_KEY_")) {
        facts.key_problem = true;
      } else if (type.ends_with("google.rpc.RetryInfo") && !facts.retry_delay) {
        facts.retry_delay = parse_retry_delay(string_member(detail, "retryDelay"));
      }
    }
  }
  return facts;
}

FailureKind kind_for(int status, const ErrorFacts& facts) {
  switch (status) {
    case 400:
      return facts.key_problem ? FailureKind::kAuth : FailureKind::kInvalidRequest;
    case 401:
    case 403:
      return FailureKind::kAuth;
    case 408:
    case 504:
      return FailureKind::kTimeout;
    case 429:
      return FailureKind::kRateLimited;
    default:
      break;
  }
  if (status >= 400 && status < 500) return FailureKind::kInvalidRequest;
  if (status >= 500 && status < 600) return FailureKind::kUnavailable;
  return FailureKind::kBadResponse;
}

std::optional<std::string_view> header(const sdk::HttpHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (std::equal(key.begin(), key.end(), name.begin(), name.end(), same_letter)) return value;
  }
  return std::nullopt;
}

sdk::Failure failure_from(const Endpoint& endpoint, int status, const ErrorFacts& facts,
                          const sdk::HttpHeaders& headers) {
  std::string text = std::to_string(status);
  if (!facts.status.empty()) text.append(" ").append(facts.status);
  if (!facts.message.empty()) text.append(": ").append(facts.message);
  if (facts.status.empty() && facts.message.empty()) text.append(" with no error details");

  sdk::Failure failure = make_failure(endpoint, kind_for(status, facts), text);
  if (failure.retryable() && failure.kind != FailureKind::kBadResponse) {
    failure.retry_after = facts.retry_delay;
    if (!failure.retry_after) {
      if (auto value = header(headers, "retry-after"))
        failure.retry_after = parse_retry_after(*value);
    }
  }
  return failure;
}

bool all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

long long to_number(std::string_view digits) {
  long long n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return n;
}

}  // namespace

sdk::Failure failure_from_error_reply(const Endpoint& endpoint, const sdk::HttpReply& reply) {
  ErrorFacts facts;
  rapidjson::Document doc;
  if (!sdk::parse_json(reply.body, doc)) {
    if (const rapidjson::Value* error = find_object(doc, "error")) facts = read_error(*error);
  }
  return failure_from(endpoint, reply.status, facts, reply.headers);
}

sdk::Failure failure_from_error_object(const Endpoint& endpoint, const rapidjson::Value& error,
                                       const sdk::HttpHeaders& headers) {
  const std::optional<long long> code = integer_member(error, "code");
  const int status = code && *code >= 100 && *code < 600 ? static_cast<int>(*code) : 0;
  return failure_from(endpoint, status, read_error(error), headers);
}

std::optional<std::chrono::milliseconds> parse_retry_delay(std::string_view text) {
  if (!text.ends_with('s')) return std::nullopt;
  text.remove_suffix(1);
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 12 || !all_digits(whole)) return std::nullopt;
  if (dot != std::string_view::npos && (fraction.empty() || fraction.size() > 9))
    return std::nullopt;
  if (!all_digits(fraction)) return std::nullopt;

  std::string nanos(fraction);
  nanos.resize(9, '0');
  const long long millis_up = (to_number(nanos) + 999'999) / 1'000'000;
  return std::chrono::milliseconds(to_number(whole) * 1000 + millis_up);
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty() || text.size() > 9 || !all_digits(text)) return std::nullopt;
  return std::chrono::milliseconds(to_number(text) * 1000);
}

}  // namespace moodgate::providers::gemini_common
