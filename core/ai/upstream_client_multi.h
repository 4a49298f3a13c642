// The event loop under the UpstreamClient (internal to it): a libcurl multi handle driven
// through epoll with curl_multi_socket_action, so that an event costs the same whether ten or
// ten thousand transfers are open, plus an eventfd with which other threads wake it.
//
// Everything but wake() belongs to the one thread that calls poll(). The multi handle keeps the
// connection pool (and the DNS cache); the share handle keeps TLS sessions for resumption.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <optional>

#include "core/ai/upstream_client.h"
#include "core/common/unique_fd.h"

namespace moodgate::ai::upstream {

class MultiLoop {
 public:
  using Clock = std::chrono::steady_clock;

  // Initialises libcurl (once per process), epoll and the multi handle with the pool limits of
  // `options`. Throws std::runtime_error when any of it fails.
  explicit MultiLoop(const UpstreamClientOptions& options);
  // Closes the pooled connections. Every easy handle must have been removed and cleaned up.
  ~MultiLoop();
  MultiLoop(const MultiLoop&) = delete;
  MultiLoop& operator=(const MultiLoop&) = delete;

  CURLM* multi() const { return multi_.get(); }
  CURLSH* share() const { return share_.get(); }

  // Waits until a socket is ready, wake() is called, libcurl's own timeout is due or `until`
  // (none: no limit) has come, and lets libcurl act on what happened. Finished transfers are
  // then waiting in curl_multi_info_read().
  void poll(std::optional<Clock::time_point> until);
  // Lets libcurl act on its timeout if it is due (as it is at once after an easy handle was
  // added).
  void act_if_due();
  // Makes the current or next poll() return soon. Thread-safe.
  void wake();

 private:
  struct MultiDeleter {
    void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
  };
  struct ShareDeleter {
    void operator()(CURLSH* share) const { curl_share_cleanup(share); }
  };
  static int on_socket(CURL* easy, curl_socket_t fd, int what, void* self, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);

  // Declared before the multi handle: its cleanup may still report sockets and timeouts.
  UniqueFd epoll_fd_;
  UniqueFd wake_fd_;
  std::optional<Clock::time_point> curl_deadline_;  // when libcurl wants its timeout action
  std::unique_ptr<CURLM, MultiDeleter> multi_;
  std::unique_ptr<CURLSH, ShareDeleter> share_;
};

}  // namespace moodgate::ai::upstream
