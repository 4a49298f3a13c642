// The transport under FakeGemini (internal to it): an HTTP/1.1 server on 127.0.0.1 and a free
// port, with one event-loop thread (epoll, non-blocking sockets) and reply delays as timers in
// that loop, so that a thousand connections can wait at once. It knows nothing about Gemini: each
// complete request goes to the handler, on the loop thread, and its FakeGeminiReply is sent as
// the reply says (delay, hang, truncate, close_after).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "tests/support/fake_gemini.h"

namespace moodgate::testing::fake_gemini_http {

class Server {
 public:
  // Called on the loop thread with method, path, query, headers and body filled in.
  using Handler = std::function<FakeGeminiReply(FakeGeminiRequest)>;

  // Listens and starts the loop; throws std::runtime_error when it cannot.
  explicit Server(Handler handler);
  // Stops the loop and closes every connection; the handler is not called afterwards.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const;
  int max_concurrent_connections() const;
  int open_connections() const;
  int connections_accepted() const;

 private:
  struct Loop;
  std::unique_ptr<Loop> loop_;
};

}  // namespace moodgate::testing::fake_gemini_http
