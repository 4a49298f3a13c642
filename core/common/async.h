// The gateway's asynchronous shape: C++20 coroutines on Boost.Asio (1.74, as Debian ships it).
//
// - Task<T> (asio::awaitable<T>) is a coroutine: a handler or service operation that reads top
//   to bottom and suspends, instead of blocking or nesting callbacks, while an AI call runs.
// - Pool is a set of named threads running an io_context: request coroutines run there (the
//   "worker pool", mg-pool-N; the sign-in pool, mg-hash-N). A coroutine resumes on the pool it
//   was spawned on, whichever thread completed what it awaited. try_spawn() refuses work past
//   the queue limit, so callers answer 503 instead of letting latency grow without end.
// - Inline runs coroutines with no thread of their own: they start on the caller's thread and
//   continue on whichever thread delivered what they awaited, for handlers that never block
//   (the AI debug route: parse, call, format) and so need no pool hop.
// - OneShot<T> bridges a callback API (the AI caller answers on its I/O thread) to a coroutine:
//   the callback sets the value from any thread, the coroutine co_awaits get() and continues on
//   its own pool. Two OneShots started before either is awaited run at the same time.
//
// GCC 12.2 (Debian 12) destroys the temporary of `co_return co_await f();` twice, and of a
// co_await inside a larger expression: write `T x = co_await f();` as a statement of its own,
// then use x (core/README.md).
//
// Exceptions: one escaping a spawned task reaches its completion as an exception_ptr (callers
// answer 500). Cancellation: there is none; every await is bounded (AI calls by their
// deadline), and a request past its own deadline is answered 503 by the dispatcher while its
// coroutine finishes and its late answer is dropped. Destruction while suspended: a OneShot
// whose value never comes (its setter dropped) destroys the waiting coroutine, running its
// destructors; a pool destroyed with tasks suspended destroys them the same way. A Pool must
// outlive the callbacks that resume its tasks (Application stops the AI client first).
#pragma once

// With optimisation, GCC 12 reports the end of every coroutine here as freeing its frame with a
// mismatched operator delete: asio allocates and frees frames through its per-thread recycler,
// and GCC pairs the inlined calls wrongly (GCC PR 109224, a false positive; the sanitizer
// build's alloc-dealloc check runs those frees for real). Off for the files that use
// coroutines, which are the files that include this header.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility> (GCC 12 no longer
// brings it in transitively).
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/common/thread_annotations.h"
#include "core/common/threads.h"

namespace moodgate::async {

namespace asio = boost::asio;

template <typename T>
using Task = asio::awaitable<T>;

// Waits `delay` without holding a thread.
Task<void> sleep_for(std::chrono::milliseconds delay);

namespace detail {

// Counts a runner's tasks from admission until their frames go, so stop() can wait for the
// last, suspended ones included.
class TaskCount {
 public:
  // Admits one task unless closed or `admit()`, called under the lock (so what it counts is
  // exact), says no.
  template <typename Admit>
  bool enter(Admit admit) {
    std::lock_guard lock(mu_);
    if (closed_ || !admit()) return false;
    active_.fetch_add(1);
    return true;
  }
  void leave();
  // Admits nothing more and waits until every admitted task has left. Idempotent.
  void close_and_wait();
  std::size_t active() const { return active_.load(); }

  // Leaves when the task's frame goes, whether it ran to its end or was destroyed while
  // suspended.
  struct Leave {
    TaskCount* count;
    ~Leave() { count->leave(); }
  };

 private:
  std::atomic<std::size_t> active_{0};
  std::mutex mu_;
  std::condition_variable idle_cv_;
  bool closed_ MG_GUARDED_BY(mu_) = false;
};

// The frame of an admitted task: runs it, hands the outcome to `done` (as Pool::try_spawn
// says), leaves `count` as it goes. `started`, if any, runs first.
template <typename T, typename Done, typename Started>
Task<void> run_counted(TaskCount* count, Started started, Task<T> task, Done done) {
  TaskCount::Leave leave{count};
  started();
  std::exception_ptr error;
  if constexpr (std::is_void_v<T>) {
    try {
      co_await std::move(task);
    } catch (...) {
      error = std::current_exception();
    }
    done(error);
  } else {
    std::optional<T> value;
    try {
      T result = co_await std::move(task);
      value.emplace(std::move(result));
    } catch (...) {
      error = std::current_exception();
    }
    done(error, std::move(value));
  }
}

// Runs what it is given at once, on the calling thread (see Inline).
class InlineExecutor {
 public:
  explicit InlineExecutor(asio::execution_context& context) noexcept : context_(&context) {}

  asio::execution_context& query(asio::execution::context_t) const noexcept { return *context_; }
  static constexpr asio::execution::blocking_t query(asio::execution::blocking_t) noexcept {
    return asio::execution::blocking.always;
  }
  // asio::post asks for an executor that never runs the function in the call; this one always
  // does, which is the point: a coroutine that awaits resumes in the deliverer's call.
  InlineExecutor require(asio::execution::blocking_t::never_t) const noexcept { return *this; }

  template <typename F>
  void execute(F&& f) const {
    std::forward<F>(f)();
  }

  friend bool operator==(const InlineExecutor& a, const InlineExecutor& b) noexcept {
    return a.context_ == b.context_;
  }
  friend bool operator!=(const InlineExecutor& a, const InlineExecutor& b) noexcept {
    return a.context_ != b.context_;
  }

 private:
  asio::execution_context* context_;
};

}  // namespace detail

class Pool {
 public:
  // `threads` threads named `name`-N with `role`; at most `queue_limit` tasks admitted by
  // try_spawn() wait for a thread at once.
  Pool(ThreadRole role, std::string name, int threads, std::size_t queue_limit);
  // stop().
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  using Executor = asio::io_context::executor_type;
  Executor executor() { return context_.get_executor(); }

  // Starts `task` on the pool unless queue_limit tasks already wait for a thread or the pool
  // is stopping: then false, and the task never runs. Otherwise `done` runs once, on a pool
  // thread, as done(std::exception_ptr, std::optional<T>) (the value when no exception
  // escaped), or done(std::exception_ptr) for Task<void>.
  template <typename T, typename Done>
  bool try_spawn(Task<T> task, Done done) {
    if (!admit(true)) return false;
    launch(std::move(task), std::move(done));
    return true;
  }
  // Starts `task` whatever the queue's length (work already admitted, background loops);
  // false only once the pool is stopping.
  template <typename T, typename Done>
  bool spawn(Task<T> task, Done done) {
    if (!admit(false)) return false;
    launch(std::move(task), std::move(done));
    return true;
  }

  // Tasks admitted that have not started yet.
  std::size_t waiting() const { return waiting_.load(); }
  // Tasks started or admitted and not finished (suspended ones included).
  std::size_t active() const { return count_.active(); }

  // Stops admitting tasks, waits for every admitted task to finish (including those suspended
  // on an AI call: stop the AI client first), then joins the threads. Idempotent. Not on a
  // thread of this pool.
  void stop();

 private:
  bool admit(bool bounded);

  template <typename T, typename Done>
  void launch(Task<T> task, Done done) {
    auto started = [this] { waiting_.fetch_sub(1); };
    asio::co_spawn(context_,
                   detail::run_counted(&count_, started, std::move(task), std::move(done)),
                   [](std::exception_ptr error) {
                     if (error) spdlog::error("a pool task's completion threw");
                   });
  }

  asio::io_context context_;
  asio::executor_work_guard<asio::io_context::executor_type> keep_running_;
  const std::size_t queue_limit_;
  std::atomic<std::size_t> waiting_{0};
  detail::TaskCount count_;
  std::vector<std::thread> threads_;
};

// Coroutines with no thread of their own, for handlers that never block and do little CPU
// work: parse, start AI calls, format the answer. A task starts in the spawn() call, on the
// calling thread (an event loop), and after each co_await continues on the thread that
// delivered what it awaited (for an AI call, the AI client's I/O thread, as its callbacks
// would), so a call costs no hop to a pool and back. Nothing blocking, then: a database call
// from such a task is caught in debug builds (MG_EXPECT_MAY_BLOCK), as on any thread that
// must not block. No timers either (sleep_for, OneShot::get_until): they need an io_context.
class Inline {
 public:
  Inline() = default;
  // stop().
  ~Inline();
  Inline(const Inline&) = delete;
  Inline& operator=(const Inline&) = delete;

  // Runs `task` now, up to its first wait, unless stopping (then false, and it never runs).
  // `done` runs once, as Pool::try_spawn says, on whichever thread the task ends.
  template <typename T, typename Done>
  bool spawn(Task<T> task, Done done) {
    if (!count_.enter([] { return true; })) return false;
    asio::co_spawn(asio::any_io_executor(detail::InlineExecutor(context_)),
                   detail::run_counted(
                       &count_, [] {}, std::move(task), std::move(done)),
                   [](std::exception_ptr error) {
                     if (error) spdlog::error("an inline task's completion threw");
                   });
    return true;
  }

  // Tasks started and not finished (suspended ones included).
  std::size_t active() const { return count_.active(); }

  // Stops admitting tasks and waits for the suspended ones to finish (stop the AI client
  // first: its last answers and dropped calls end them). Idempotent.
  void stop();

 private:
  asio::execution_context context_;  // only for the executor to name; nothing runs it
  detail::TaskCount count_;
};

// A value that arrives once, from any thread, for one coroutine to co_await. Copies share the
// same slot. Thread-safe.
template <typename T>
class OneShot {
 public:
  OneShot() : state_(std::make_shared<State>()) {}

  // Delivers the value; only the first call counts.
  void set(T value) const { deliver(state_, std::move(value)); }
  // A callback that delivers into this slot (for callback APIs). Dropping every copy of it
  // without calling it means the value can never come: a coroutine waiting in get() (or one
  // that comes to wait later) is destroyed, on its own executor.
  std::function<void(T)> setter() const {
    auto promise = std::make_shared<Promise>(state_);
    return [promise](T value) { deliver(promise->state, std::move(value)); };
  }

  // The value, once it has come (at once if it already has). The awaiting coroutine resumes on
  // its own executor, never on the thread that delivered. Await it once.
  Task<T> get() {
    // Not a coroutine itself: the awaitable async_initiate makes is the one frame.
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(T)>(
        [state = state_](auto handler) {
          const Executor executor = asio::get_associated_executor(handler);
          auto resume = make_resume<std::optional<T>, true>(std::move(handler));
          std::unique_lock lock(state->mu);
          if (take(lock, *state, resume)) return;
          wait(lock, *state, std::move(resume), executor);
        },
        asio::use_awaitable);
  }

  // The value if it comes before `deadline`, otherwise nothing (and the slot stays, to be
  // awaited again).
  Task<std::optional<T>> get_until(std::chrono::steady_clock::time_point deadline) {
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::optional<T>)>(
        [state = state_, deadline](auto handler) {
          const Executor executor = asio::get_associated_executor(handler);
          auto resume = make_resume<std::optional<T>, false>(std::move(handler));
          std::unique_lock lock(state->mu);
          if (take(lock, *state, resume)) return;
          const std::uint64_t this_wait = ++state->waits;
          wait(lock, *state, resume, executor);
          if (!lock.owns_lock()) return;  // the value can never come: released already
          // Armed under the lock, so a value delivered from now on finds it to cancel.
          auto timer = std::make_shared<asio::steady_timer>(executor, deadline);
          state->timer = timer;
          timer->async_wait([state, timer, this_wait](const boost::system::error_code&) {
            std::unique_lock timer_lock(state->mu);
            if (!state->waiting || state->waits != this_wait) return;  // the value came first
            auto late = std::move(state->waiting);
            state->waiting = nullptr;
            state->timer.reset();
            timer_lock.unlock();
            late(std::nullopt);
          });
        },
        asio::use_awaitable);
  }

 private:
  using Executor = asio::any_io_executor;

  struct State {
    std::mutex mu;
    std::optional<T> value MG_GUARDED_BY(mu);  // came, not yet taken
    // Resumes the coroutine waiting for it.
    std::function<void(std::optional<T>)> waiting MG_GUARDED_BY(mu);
    Executor waiting_on MG_GUARDED_BY(mu);      // that coroutine's executor
    std::uint64_t waits MG_GUARDED_BY(mu) = 0;  // get_until() calls, to tell timers apart
    // The deadline of the get_until() waiting, if any: cancelled when the wait ends otherwise,
    // since an armed timer keeps its pool's threads from ending (Pool::stop() would wait for it).
    std::shared_ptr<asio::steady_timer> timer MG_GUARDED_BY(mu);
    bool delivered MG_GUARDED_BY(mu) = false;
    bool abandoned MG_GUARDED_BY(mu) = false;  // every setter went without delivering
  };

  // What setter() copies share: when the last goes undelivered, the value can never come.
  struct Promise {
    std::shared_ptr<State> state;
    explicit Promise(std::shared_ptr<State> s) : state(std::move(s)) {}
    ~Promise() { abandon(state); }
  };

  // Drops the waiting coroutine (on its executor: destroying it runs its destructors).
  static void abandon(const std::shared_ptr<State>& state) {
    std::unique_lock lock(state->mu);
    if (state->delivered) return;
    state->abandoned = true;
    release(lock, *state);
  }

  // Hands the waiting callback, if any, to its executor to be destroyed there. Unlocks.
  static void release(std::unique_lock<std::mutex>& lock, State& state) {
    if (!state.waiting) return;
    auto dropped = std::move(state.waiting);
    state.waiting = nullptr;
    auto timer = std::move(state.timer);
    const Executor executor = state.waiting_on;
    lock.unlock();
    disarm(std::move(timer));
    asio::post(executor, [dropped = std::move(dropped)]() mutable { dropped = nullptr; });
  }

  // Cancels a get_until() deadline that is no longer needed, on the timer's own executor.
  static void disarm(std::shared_ptr<asio::steady_timer> timer) {
    if (!timer) return;
    const auto executor = timer->get_executor();
    asio::post(executor, [timer = std::move(timer)] { timer->cancel(); });
  }

  // Resumes with the value at once, unlocking, if it has come; otherwise false, still locked.
  static bool take(std::unique_lock<std::mutex>& lock, State& state,
                   const std::function<void(std::optional<T>)>& resume) {
    if (!state.value) return false;
    std::optional<T> value = std::move(state.value);
    state.value.reset();
    lock.unlock();
    resume(std::move(value));
    return true;
  }

  // Registers `resume` as the waiting coroutine, unless the value can never come.
  static void wait(std::unique_lock<std::mutex>& lock, State& state,
                   std::function<void(std::optional<T>)> resume, Executor executor) {
    state.waiting = std::move(resume);
    state.waiting_on = std::move(executor);
    if (state.abandoned) release(lock, state);
  }

  // A copyable callback that resumes the coroutine of `handler` on the coroutine's executor
  // with the value it is given (`unwrap`: the value inside that optional, which holds one).
  template <typename V, bool unwrap, typename Handler>
  static std::function<void(V)> make_resume(Handler handler) {
    const auto executor = asio::get_associated_executor(handler);
    auto shared = std::make_shared<Handler>(std::move(handler));
    return [shared, executor](V value) {
      asio::post(executor, [shared, value = std::move(value)]() mutable {
        if constexpr (unwrap) {
          (*shared)(std::move(*value));
        } else {
          (*shared)(std::move(value));
        }
      });
    };
  }

  static void deliver(const std::shared_ptr<State>& state, T value) {
    std::unique_lock lock(state->mu);
    if (state->delivered) {
      spdlog::error("a one-shot value was delivered twice; the second is dropped");
      return;
    }
    state->delivered = true;
    if (!state->waiting) {
      state->value = std::move(value);
      return;
    }
    auto resume = std::move(state->waiting);
    state->waiting = nullptr;
    auto timer = std::move(state->timer);
    lock.unlock();
    disarm(std::move(timer));
    resume(std::optional<T>(std::move(value)));
  }

  std::shared_ptr<State> state_;
};

}  // namespace moodgate::async
