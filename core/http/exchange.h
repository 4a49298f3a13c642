// Exchange: one request in flight and the promise to answer it exactly once.
//
// Handlers receive a shared_ptr<Exchange>, may hand it to another thread (the worker pool, the
// upstream client) and answer from there with reply() or fail(). The first answer wins; later
// ones are dropped and logged as a bug. An Exchange destroyed without an answer answers 500, so
// a lost code path can never leave a client hanging. Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include "core/common/error.h"
#include "core/http/http_types.h"

namespace moodgate::http {

class Exchange {
 public:
  // What actually sends: set by the server; applies the common headers, writes, logs.
  using Sender = std::function<void(const HttpRequest&, HttpResponse&&)>;

  Exchange(HttpRequest request, Sender sender);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  const HttpRequest& request() const { return request_; }

  // Sends the answer (first call only).
  void reply(HttpResponse response);
  // Sends the error envelope for `error` (first call only).
  void fail(const Error& error);
  // True once an answer was sent.
  bool replied() const { return replied_.load(); }

 private:
  HttpRequest request_;
  Sender sender_;
  std::atomic<bool> replied_{false};
};

}  // namespace moodgate::http
