// FakeGemini: a fake Gemini API server for tests. A real HTTP/1.1 server on 127.0.0.1 and a free
// port, speaking Gemini's wire format (see /work/shared/reference/gemini.md), scripted per test.
//
// What it answers, in this order:
//   1. No API key (neither header `x-goog-api-key` nor query `?key=`): 403 PERMISSION_DENIED
//      "Method doesn't allow unregistered callers ...", as Google does. A key other than the one
//      given to the constructor: 400 INVALID_ARGUMENT "API key not valid. Please pass a valid API
//      key." with an ErrorInfo detail of reason API_KEY_INVALID.
//   2. Anything but `POST /v1beta/models/{model}:generateContent`: 404 NOT_FOUND.
//   3. A body that is not a JSON object: 400 INVALID_ARGUMENT "Invalid JSON payload received...";
//      an object without a non-empty `contents` array: 400 INVALID_ARGUMENT, like Google.
//   4. Otherwise the next reply of the script (enqueue()), or the fallback once the queue is empty
//      (by default text_reply() naming the requested model).
// Only step 4 takes from the queue; every complete request is recorded, rejected ones included.
// A reply's delay is a timer in the server's loop: many delayed replies run at once.
//
// HTTP: Content-Length bodies only (Transfer-Encoding is refused with 411), keep-alive by default
// (HTTP/1.1; `Connection: close` honoured), `Expect: 100-continue` answered. The server sets
// Content-Length and Connection itself; those names in a reply's headers are ignored. A client
// that closes (or half-closes) its side is taken as gone and its pending reply dropped.
//
// One event-loop thread (epoll, non-blocking sockets), so a thousand connections at once are fine;
// the constructor raises the process's soft limit on open files to the hard limit for that.
// Every method is thread-safe; the fallback runs on the loop thread and must not block.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace moodgate::testing {

struct FakeGeminiRequest {
  std::string method;
  std::string path;                            // without the query
  std::string query;                           // without the '?'
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string model;    // from the path ("" when the path is not a model's)
  std::string api_key;  // from header x-goog-api-key, else from ?key= ("" when neither)
};

// What the fake answers. Build with the helpers below and adjust fields as needed.
struct FakeGeminiReply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds delay{0};  // wait this long before answering
  bool hang = false;         // never answer; keep the connection open until the client leaves
  bool truncate = false;     // send the full Content-Length but only half the body, then close
  bool close_after = false;  // answer with `Connection: close` and close
};

class FakeGemini {
 public:
  // Starts listening at once; throws std::runtime_error when it cannot.
  explicit FakeGemini(std::string api_key = "test-key");
  // Stops the loop and closes every connection.
  ~FakeGemini();
  FakeGemini(const FakeGemini&) = delete;
  FakeGemini& operator=(const FakeGemini&) = delete;

  // The port it listens on.
  std::uint16_t port() const;
  // "http://127.0.0.1:PORT".
  std::string base_url() const;

  // Appends a reply for a future generateContent call.
  void enqueue(FakeGeminiReply reply);
  // Answers generateContent calls once the queue is empty.
  void set_fallback(std::function<FakeGeminiReply(const FakeGeminiRequest&)> fallback);

  // Copies of every complete request received, in order.
  std::vector<FakeGeminiRequest> requests() const;
  std::size_t request_count() const;
  // The highest number of connections open at the same time so far.
  int max_concurrent_connections() const;
  // Connections open now.
  int open_connections() const;
  // Connections accepted so far (fewer than requests when clients keep connections alive).
  int connections_accepted() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Canned replies in the real wire format (JSON pretty-printed with two spaces, Content-Type
// "application/json; charset=UTF-8", a fresh responseId each).

// One candidate with `text`, finishReason STOP and usageMetadata (thoughtsTokenCount only when
// non-zero; totalTokenCount is the sum).
FakeGeminiReply text_reply(const std::string& text, long long prompt_tokens = 10,
                           long long output_tokens = 20, long long thought_tokens = 0,
                           const std::string& model = "gemini-2.5-flash");
// A `"thought": true` part then the answer part; usage 10 prompt, 20 output, 30 thoughts.
FakeGeminiReply text_reply_with_thoughts(const std::string& thought, const std::string& text);
// A text part then the image as base64 inlineData; usage 10 prompt, 1298 candidates with
// candidatesTokensDetails IMAGE 1290. With `with_thought_image_first`, a thought text part and a
// thought image (tiny_png(), unless `png_bytes` is that very image: then a different one) come
// first, as Gemini 3 image models send them, and usage adds 250 thought tokens.
FakeGeminiReply image_reply(const std::string& png_bytes, const std::string& mime = "image/png",
                            bool with_thought_image_first = false,
                            const std::string& model = "gemini-2.5-flash-image");
// {"error": {code, message, status}} with the given HTTP status.
FakeGeminiReply error_reply(int http_status, const std::string& status, const std::string& message);
// 429 RESOURCE_EXHAUSTED with QuotaFailure and RetryInfo details; `retry_delay` like "26s".
FakeGeminiReply rate_limited_reply(const std::string& retry_delay);
// 404 NOT_FOUND as for a retired or unknown model.
FakeGeminiReply model_not_found_reply(const std::string& model);
// 200 with no candidates and promptFeedback.blockReason SAFETY.
FakeGeminiReply blocked_prompt_reply();
// 200 with one candidate without parts (`"content": {}`), e.g. SAFETY, IMAGE_SAFETY, NO_IMAGE.
FakeGeminiReply finish_reason_reply(const std::string& finish_reason);
// 200, claimed as JSON, with a body that is not JSON (cut off mid-string).
FakeGeminiReply malformed_json_reply();

// A valid 1x1 PNG (bytes), for tests that need an image.
std::string tiny_png();
// Standard base64 with padding, as Gemini's inlineData.data.
std::string base64_encode(const std::string& bytes);

}  // namespace moodgate::testing
