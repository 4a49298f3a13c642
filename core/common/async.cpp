#include "core/common/async.h"

namespace moodgate::async {

Task<void> sleep_for(std::chrono::milliseconds delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);
}

Pool::Pool(ThreadRole role, std::string name, int threads, std::size_t queue_limit)
    : keep_running_(asio::make_work_guard(context_)), queue_limit_(queue_limit) {
  threads_.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this, role, name, i] {
      name_this_thread(role, name, i);
      for (;;) {
        try {
          context_.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("{}-{}: a handler threw: {}", name, i, e.what());
        }
      }
    });
  }
}

Pool::~Pool() {
  stop();
}

bool Pool::admit(bool bounded) {
  return count_.enter([&] {
    if (bounded && waiting_.load() >= queue_limit_) return false;
    waiting_.fetch_add(1);
    return true;
  });
}

void Pool::stop() {
  count_.close_and_wait();
  keep_running_.reset();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

Inline::~Inline() {
  stop();
}

void Inline::stop() {
  count_.close_and_wait();
}

namespace detail {

void TaskCount::leave() {
  if (active_.fetch_sub(1) != 1) return;
  std::lock_guard lock(mu_);
  idle_cv_.notify_all();
}

void TaskCount::close_and_wait() {
  std::unique_lock lock(mu_);
  closed_ = true;
  idle_cv_.wait(lock, [this] { return active_.load() == 0; });
}

}  // namespace detail

}  // namespace moodgate::async
