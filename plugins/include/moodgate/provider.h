// The Moodgate provider SDK: everything a provider plugin includes.
//
// A provider plugin TRANSLATES; it does no I/O. Given a neutral task (text generation with an
// optional JSON schema, or image generation) it says which HTTP request to send; given the HTTP
// reply it says what came of it: a result, a typed failure, or another request to send next
// (submit-and-poll providers). The gateway core does the I/O, timeouts, retries with backoff,
// circuit breaking, fallback along the configured chain and usage accounting. So a plugin is
// small, pure, and testable with canned replies.
//
// Contract for implementations:
// - Thread-safe: one Provider object serves many calls at once from several threads; start()
//   and finish() must not mutate shared state (they are const).
// - No exceptions out of start()/finish() (the core catches them and counts a bad response,
//   but a plugin should return a Failure). The factory may throw std::invalid_argument for
//   settings it rejects; the message names the setting and never quotes a secret.
// - Never put an API key in a Failure message or anything else the core logs.
// - Objects made by a plugin never outlive it: the core keeps the library loaded as long as
//   anything from it lives.
//
// Export one factory per shared library with MOODGATE_EXPORT_PROVIDER(my_factory), where
// my_factory has the signature of moodgate::sdk::Factory. Build it with
// moodgate_add_provider() (cmake/MoodgateProvider.cmake), which sets the flags the fingerprint
// requires. See plugins/README.md.
#pragma once

#include <boost/config.hpp>
#include <boost/dll/alias.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace moodgate::sdk {

// Bumped whenever a type in this header changes shape; the loader refuses a mismatch.
inline constexpr std::uint32_t kAbiVersion = 1;
inline constexpr const char* kSdkVersion = "1.0.0";

// What a provider can do. The core's capabilities (analysis, scenarios, summary) are all
// kText tasks; image is kImage.
enum class Capability { kText, kImage };

// ---- Tasks ----

struct Message {
  std::string role;  // "user" or "model"
  std::string text;
};

struct TextTask {
  std::string system_prompt;      // may be empty
  std::vector<Message> messages;  // at least one, the last from "user"
  // Empty: free text. Otherwise a JSON Schema object (as JSON text) the answer must be an
  // instance of; the answer's text is then that JSON. Providers translate it to their own form
  // (Gemini: responseSchema, types in capitals).
  std::string json_schema;
  std::optional<double> temperature;    // 0..2
  std::optional<int> max_output_tokens;
};

struct ImageTask {
  std::string prompt;
  std::string aspect_ratio = "1:1";  // 1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9
  std::string size;                  // "1K", "2K", "4K", or "" for the provider's default
};

using Task = std::variant<TextTask, ImageTask>;

// ---- Outcomes ----

struct TokenUsage {
  long long input_tokens = 0;
  long long output_tokens = 0;  // thinking tokens included: they are billed as output
};

struct TextOutput {
  std::string text;
};

struct ImageOutput {
  std::string bytes;      // the image file (PNG or JPEG), not base64
  std::string mime_type;  // "image/png" or "image/jpeg"
};

struct Result {
  std::variant<TextOutput, ImageOutput> output;
  TokenUsage usage;
  std::string model;          // the model that answered (as the provider reports it)
  std::string finish_reason;  // e.g. "STOP", "MAX_TOKENS"
};

enum class FailureKind {
  kInvalidRequest,  // the provider says the request is wrong (400/404): not retried
  kAuth,            // missing, invalid or refused credentials (401/403): not retried
  kRateLimited,     // 429 / quota: retried after retry_after
  kUnavailable,     // 5xx, overloaded, network trouble: retried
  kTimeout,         // the provider or the network did not answer in time: retried
  kContentBlocked,  // safety refusal: not retried, not fallen back from
  kBadResponse,     // the reply cannot be understood (malformed JSON, no output): retried once
};

// "invalid_request", "auth", "rate_limited", "unavailable", "timeout", "content_blocked",
// "bad_response".
inline const char* failure_kind_name(FailureKind kind) {
  switch (kind) {
    case FailureKind::kInvalidRequest: return "invalid_request";
    case FailureKind::kAuth: return "auth";
    case FailureKind::kRateLimited: return "rate_limited";
    case FailureKind::kUnavailable: return "unavailable";
    case FailureKind::kTimeout: return "timeout";
    case FailureKind::kContentBlocked: return "content_blocked";
    case FailureKind::kBadResponse: return "bad_response";
  }
  return "bad_response";
}

struct Failure {
  FailureKind kind = FailureKind::kBadResponse;
  std::string message;  // for logs and the client: no secrets, no raw bodies
  std::optional<std::chrono::milliseconds> retry_after;  // honoured before retrying

  // A failure of `kind` saying `message`, without a retry delay.
  static Failure of(FailureKind kind, std::string message) {
    return Failure{kind, std::move(message), std::nullopt};
  }

  // Whether trying again (this provider later, or the next in the chain) can help.
  bool retryable() const {
    return kind == FailureKind::kRateLimited || kind == FailureKind::kUnavailable ||
           kind == FailureKind::kTimeout || kind == FailureKind::kBadResponse;
  }
};

// ---- HTTP, as the core sends and receives it ----

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "POST";
  std::string url;  // absolute: https://host/path?query
  HttpHeaders headers;
  std::string body;
};

struct HttpReply {
  int status = 0;  // the HTTP status; the core turns network errors into Failures itself
  HttpHeaders headers;  // names lower-cased
  std::string body;
};

// An answer without I/O (a local provider such as the mock), delivered after `delay` so that
// simulated latency costs a timer, not a thread.
struct LocalAnswer {
  std::variant<Result, Failure> outcome;
  std::chrono::milliseconds delay{0};
};

// What start() says: send this request, answer locally, or refuse the task outright.
using Start = std::variant<HttpRequest, LocalAnswer, Failure>;
// What finish() says: done, failed, or send this request next (polling).
using Next = std::variant<Result, Failure, HttpRequest>;

// ---- The provider ----

class Provider {
 public:
  virtual ~Provider() = default;

  // The capabilities this instance serves (a text model cannot draw).
  virtual std::vector<Capability> capabilities() const = 0;
  // The model it calls, for usage records and /version (e.g. "gemini-2.5-flash").
  virtual std::string model() const = 0;

  // The first step of a task.
  virtual Start start(const Task& task) const = 0;
  // What the reply to `sent` (the latest request for `task`) means.
  virtual Next finish(const Task& task, const HttpRequest& sent, const HttpReply& reply) const = 0;
};

// A provider instance's settings from the config file (`settings:`), as plain strings, e.g.
// {"model": "gemini-2.5-flash", "api_key": "...", "base_url": "https://..."}.
using Settings = std::map<std::string, std::string>;

// What a plugin exports (through MOODGATE_EXPORT_PROVIDER). Throws std::invalid_argument for
// settings it cannot work with.
using Factory = std::unique_ptr<Provider>(const Settings& settings);

// Describes how this SDK was compiled. Plugin and core must agree exactly: a std::string or
// std::map of another ABI, compiler or SDK version is not the same type.
#define MOODGATE_SDK_STRINGIFY2(x) #x
#define MOODGATE_SDK_STRINGIFY(x) MOODGATE_SDK_STRINGIFY2(x)
#if defined(__clang__)
#define MOODGATE_SDK_COMPILER "clang-" MOODGATE_SDK_STRINGIFY(__clang_major__)
#elif defined(__GNUC__)
#define MOODGATE_SDK_COMPILER "gcc-" MOODGATE_SDK_STRINGIFY(__GNUC__)
#else
#define MOODGATE_SDK_COMPILER "unknown"
#endif
#if defined(_GLIBCXX_USE_CXX11_ABI)
#define MOODGATE_SDK_CXXABI "cxx11abi-" MOODGATE_SDK_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)
#else
#define MOODGATE_SDK_CXXABI "cxx11abi-unknown"
#endif
#define MOODGATE_SDK_FINGERPRINT \
  "moodgate-sdk-1.0.0;abi-1;" MOODGATE_SDK_COMPILER ";" MOODGATE_SDK_CXXABI ";cpp-" MOODGATE_SDK_STRINGIFY(__cplusplus)

}  // namespace moodgate::sdk

// The symbols the loader looks for.
#define MOODGATE_PROVIDER_ABI_SYMBOL moodgate_provider_abi_version
#define MOODGATE_PROVIDER_FINGERPRINT_SYMBOL moodgate_provider_fingerprint
#define MOODGATE_PROVIDER_FACTORY_SYMBOL create_provider

// Optionally exports the plugin's own version ("1.4.2"), shown by GET /version. Use once, at
// namespace scope, beside MOODGATE_EXPORT_PROVIDER.
#define MOODGATE_PROVIDER_VERSION(version)                               \
  extern "C" BOOST_SYMBOL_EXPORT const char moodgate_provider_version[]; \
  extern "C" BOOST_SYMBOL_EXPORT const char moodgate_provider_version[] = version

// Exports `factory` (a function with the signature moodgate::sdk::Factory) with the ABI version
// and build fingerprint beside it. Use once per plugin, at namespace scope.
#define MOODGATE_EXPORT_PROVIDER(factory)                                                \
  extern "C" BOOST_SYMBOL_EXPORT const std::uint32_t MOODGATE_PROVIDER_ABI_SYMBOL;       \
  extern "C" BOOST_SYMBOL_EXPORT const std::uint32_t MOODGATE_PROVIDER_ABI_SYMBOL =      \
      ::moodgate::sdk::kAbiVersion;                                                      \
  extern "C" BOOST_SYMBOL_EXPORT const char MOODGATE_PROVIDER_FINGERPRINT_SYMBOL[];      \
  extern "C" BOOST_SYMBOL_EXPORT const char MOODGATE_PROVIDER_FINGERPRINT_SYMBOL[] =      \
      MOODGATE_SDK_FINGERPRINT;                                                          \
  BOOST_DLL_ALIAS(factory, create_provider)
