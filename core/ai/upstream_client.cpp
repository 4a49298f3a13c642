#include "core/ai/upstream_client.h"

#include <curl/curl.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/ai/upstream_client_exchange.h"
#include "core/ai/upstream_client_multi.h"
#include "core/common/threads.h"

namespace moodgate::ai {
namespace {

using Clock = std::chrono::steady_clock;
using upstream::Exchange;

struct Timer {
  Clock::time_point at;
  std::uint64_t seq = 0;  // orders timers that are due at the same time
  std::function<void()> fn;
};

// For the std::*_heap functions: the earliest timer on top.
struct Later {
  bool operator()(const Timer& a, const Timer& b) const {
    return a.at != b.at ? a.at > b.at : a.seq > b.seq;
  }
};

template <typename F>
void run_guarded(const char* what, F&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    spdlog::error("upstream client: {} threw: {}", what, e.what());
  } catch (...) {
    spdlog::error("upstream client: {} threw", what);
  }
}

UpstreamFailure shutting_down() {
  return UpstreamFailure{sdk::Failure::of(sdk::FailureKind::kUnavailable, "shutting down"), {}};
}

}  // namespace

class UpstreamClient::Loop {
 public:
  explicit Loop(UpstreamClientOptions options);
  ~Loop();

  void send(std::unique_ptr<Exchange> exchange);
  bool schedule(std::chrono::milliseconds delay, std::function<void()> fn);
  void stop();
  bool on_loop_thread() const { return std::this_thread::get_id() == thread_id_; }

  std::atomic<std::size_t> in_flight{0};
  std::atomic<long> connections_opened{0};

 private:
  void run();
  bool take_incoming();
  void start(std::unique_ptr<Exchange> exchange);
  void collect_finished();
  void complete(std::unique_ptr<Exchange> exchange, UpstreamOutcome outcome);
  void run_due_timers();
  void fail_everything();

  const UpstreamClientOptions options_;
  upstream::MultiLoop multi_;

  // Handed from other threads to the I/O thread.
  std::mutex mu_;
  std::vector<std::unique_ptr<Exchange>> new_exchanges_;
  std::vector<Timer> new_timers_;
  std::uint64_t next_seq_ = 0;
  bool wake_pending_ = false;
  std::atomic<bool> stopping_{false};  // written under mu_

  // The I/O thread's own.
  std::unordered_map<Exchange*, std::unique_ptr<Exchange>> live_;
  std::vector<Timer> timers_;  // a heap, by Later

  std::mutex join_mu_;
  std::thread thread_;
  std::thread::id thread_id_;
};

UpstreamClient::Loop::Loop(UpstreamClientOptions options) : options_(options), multi_(options_) {
  thread_ = std::thread([this] { run(); });
  thread_id_ = thread_.get_id();
}

UpstreamClient::Loop::~Loop() {
  stop();  // every easy handle is gone before multi_ goes
}

void UpstreamClient::Loop::send(std::unique_ptr<Exchange> exchange) {
  bool need_wake = false;
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      in_flight.fetch_add(1);
      new_exchanges_.push_back(std::move(exchange));
      need_wake = !wake_pending_ && !on_loop_thread();
      wake_pending_ = true;
      exchange = nullptr;
    }
  }
  if (exchange != nullptr) {  // refused: stopping
    run_guarded("a completion callback", [&] { exchange->done(shutting_down()); });
    return;
  }
  if (need_wake) multi_.wake();
}

bool UpstreamClient::Loop::schedule(std::chrono::milliseconds delay, std::function<void()> fn) {
  const auto at = Clock::now() + std::max(delay, std::chrono::milliseconds(0));
  bool need_wake = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    new_timers_.push_back(Timer{at, next_seq_++, std::move(fn)});
    need_wake = !wake_pending_ && !on_loop_thread();
    wake_pending_ = true;
  }
  if (need_wake) multi_.wake();
  return true;
}

void UpstreamClient::Loop::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  multi_.wake();
  if (std::this_thread::get_id() == thread_id_) return;  // run() finishes after this callback
  std::lock_guard lock(join_mu_);
  if (thread_.joinable()) thread_.join();
}

void UpstreamClient::Loop::run() {
  name_this_thread(ThreadRole::kUpstream, "mg-upstream");
  while (true) {
    std::optional<Clock::time_point> next_timer;
    if (!timers_.empty()) next_timer = timers_.front().at;
    {
      // Work queued from this thread's own callbacks did not wake it: look without waiting.
      std::lock_guard lock(mu_);
      if (wake_pending_) next_timer = Clock::now();
    }
    multi_.poll(next_timer);
    if (!take_incoming()) break;
    multi_.act_if_due();  // starts what was just added
    collect_finished();
    run_due_timers();
  }
  fail_everything();
}

bool UpstreamClient::Loop::take_incoming() {
  std::vector<std::unique_ptr<Exchange>> exchanges;
  std::vector<Timer> timers;
  bool stopping = false;
  {
    std::lock_guard lock(mu_);
    exchanges.swap(new_exchanges_);
    timers.swap(new_timers_);
    wake_pending_ = false;
    stopping = stopping_;
  }
  for (auto& exchange : exchanges) {
    if (stopping) {
      complete(std::move(exchange), shutting_down());
    } else {
      start(std::move(exchange));
    }
  }
  if (stopping) return false;
  for (auto& timer : timers) {
    timers_.push_back(std::move(timer));
    std::push_heap(timers_.begin(), timers_.end(), Later{});
  }
  return true;
}

void UpstreamClient::Loop::start(std::unique_ptr<Exchange> exchange) {
  if (auto refused = upstream::prepare(*exchange, options_, multi_.share())) {
    complete(std::move(exchange), std::move(*refused));
    return;
  }
  if (const auto rc = curl_multi_add_handle(multi_.multi(), exchange->easy); rc != CURLM_OK) {
    complete(std::move(exchange),
             upstream::not_made(std::string("upstream client: ") + curl_multi_strerror(rc)));
    return;
  }
  Exchange* key = exchange.get();
  live_.emplace(key, std::move(exchange));
}

void UpstreamClient::Loop::collect_finished() {
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_.multi(), &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    // msg dies with curl_multi_remove_handle(): take what is needed first.
    CURL* easy = msg->easy_handle;
    const CURLcode code = msg->data.result;
    char* data = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &data);
    const auto it = live_.find(reinterpret_cast<Exchange*>(data));
    if (it == live_.end()) continue;
    auto exchange = std::move(it->second);
    live_.erase(it);
    long connects = 0;
    curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
    connections_opened.fetch_add(connects);
    auto outcome = upstream::outcome_of(*exchange, code);
    curl_multi_remove_handle(multi_.multi(), easy);
    complete(std::move(exchange), std::move(outcome));
  }
}

void UpstreamClient::Loop::complete(std::unique_ptr<Exchange> exchange, UpstreamOutcome outcome) {
  auto done = std::move(exchange->done);
  exchange.reset();  // the easy handle goes back before the callback runs
  in_flight.fetch_sub(1);
  run_guarded("a completion callback", [&] { done(std::move(outcome)); });
}

void UpstreamClient::Loop::run_due_timers() {
  const auto now = Clock::now();
  while (!timers_.empty() && timers_.front().at <= now && !stopping_) {
    std::pop_heap(timers_.begin(), timers_.end(), Later{});
    auto fn = std::move(timers_.back().fn);
    timers_.pop_back();
    run_guarded("a scheduled callback", fn);
  }
}

void UpstreamClient::Loop::fail_everything() {
  auto live = std::move(live_);
  live_.clear();
  for (auto& [key, exchange] : live) curl_multi_remove_handle(multi_.multi(), exchange->easy);
  for (auto& [key, exchange] : live) complete(std::move(exchange), shutting_down());
  timers_.clear();
}

// ---- UpstreamClient ----

UpstreamClient::UpstreamClient(UpstreamClientOptions options)
    : loop_(std::make_unique<Loop>(options)) {}

UpstreamClient::~UpstreamClient() = default;

void UpstreamClient::send(sdk::HttpRequest request, UpstreamLimits limits,
                          std::function<void(UpstreamOutcome)> done) {
  loop_->send(std::make_unique<Exchange>(std::move(request), limits, std::move(done)));
}

bool UpstreamClient::schedule(std::chrono::milliseconds delay, std::function<void()> fn) {
  return loop_->schedule(delay, std::move(fn));
}

std::size_t UpstreamClient::in_flight() const {
  return loop_->in_flight.load();
}

long UpstreamClient::connections_opened() const {
  return loop_->connections_opened.load();
}

void UpstreamClient::stop() {
  loop_->stop();
}

}  // namespace moodgate::ai
