// The coroutine shape's building blocks: the pool, one-shot values bridging callbacks to
// coroutines, and what happens on exceptions, refusal, destruction while suspended and stop.
#include "core/common/async.h"

#include <catch2/catch.hpp>

#include <future>
#include <stdexcept>
#include <thread>

#include "core/common/threads.h"
#include "tests/support/run_task.h"

using moodgate::this_thread_role;
using moodgate::ThreadRole;
using moodgate::async::OneShot;
using moodgate::async::Pool;
using moodgate::async::Task;
using namespace std::chrono_literals;

namespace {

template <typename T>
T run_on(Pool& pool, Task<T> task) {
  return moodgate::testing::run_task(pool, std::move(task));
}

std::string thread_name() {
  char name[16] = {};
  pthread_getname_np(pthread_self(), name, sizeof name);
  return name;
}

Task<std::string> where_am_i() {
  co_return thread_name();
}

Task<int> add_when_both_come(OneShot<int> a, OneShot<int> b) {
  const int first = co_await a.get();
  const int second = co_await b.get();
  co_return first + second;
}

}  // namespace

TEST_CASE("a pool runs tasks on threads named after it, with its role", "[async]") {
  Pool pool(ThreadRole::kPool, "mg-pool", 2, 16);
  const std::string name = run_on(pool, where_am_i());
  CHECK((name == "mg-pool-0" || name == "mg-pool-1"));
  auto role = [&]() -> Task<ThreadRole> { co_return this_thread_role(); };
  CHECK(run_on(pool, role()) == ThreadRole::kPool);
}

TEST_CASE("a coroutine resumes on its pool, not on the thread that delivered the value",
          "[async]") {
  Pool pool(ThreadRole::kPool, "mg-pool", 1, 16);
  OneShot<int> slot;
  auto task = [](OneShot<int> s) -> Task<std::pair<int, std::string>> {
    const int v = co_await s.get();
    co_return std::pair<int, std::string>(v, thread_name());
  };
  std::promise<std::pair<int, std::string>> out;
  REQUIRE(pool.try_spawn(task(slot), [&](std::exception_ptr, auto v) { out.set_value(*v); }));
  std::thread deliverer([&] {
    moodgate::name_this_thread(ThreadRole::kUpstream, "mg-upstream");
    std::this_thread::sleep_for(20ms);  // let the coroutine suspend first
    slot.set(7);
  });
  const auto [value, name] = out.get_future().get();
  deliverer.join();
  CHECK(value == 7);
  CHECK(name == "mg-pool-0");
}

TEST_CASE("two one-shot values started together are awaited in any order", "[async]") {
  Pool pool(ThreadRole::kPool, "mg-pool", 1, 16);
  OneShot<int> a, b;
  b.set(2);  // the second arrives first
  std::thread late([a] {
    std::this_thread::sleep_for(10ms);
    a.set(40);
  });
  CHECK(run_on(pool, add_when_both_come(a, b)) == 42);
  late.join();
}

TEST_CASE("an exception escaping a task reaches its completion", "[async]") {
  Pool pool(ThreadRole::kPool, "mg-pool", 1, 16);
  auto throwing = []() -> Task<int> {
    throw std::runtime_error("boom");
    co_return 0;
  };
  CHECK_THROWS_WITH(run_on(pool, throwing()), "boom");
  // The pool goes on serving.
  CHECK(run_on(pool, where_am_i()) == "mg-pool-0");
}

TEST_CASE("a pool refuses tasks past its queue limit instead of queueing them", "[async]") {
  Pool pool(ThreadRole::kPool, "mg-pool", 1, 2);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto blocker = [](std::shared_future<void> f) -> Task<void> {
    f.wait();  // holds the only thread
    co_return;
  };
  std::atomic<int> done{0};
  auto count = [&](std::exception_ptr) { done.fetch_add(1); };
  REQUIRE(pool.try_spawn(blocker(released), count));
  while (pool.waiting() != 0) std::this_thread::yield();  // the blocker holds the thread
  CHECK(pool.try_spawn(blocker(released), count));
  CHECK(pool.try_spawn(blocker(released), count));
  CHECK_FALSE(pool.try_spawn(blocker(released), count));  // two wait already
  CHECK(pool.spawn(blocker(released), count));            // admitted work is never refused
  release.set_value();
  pool.stop();
  CHECK(done.load() == 4);
}

TEST_CASE("a coroutine whose value can never come is destroyed, running its destructors",
          "[async]") {
  Pool pool(ThreadRole::kPool, "mg-pool", 1, 16);
  struct Flag {
    std::promise<void>* destroyed;
    ~Flag() { destroyed->set_value(); }
  };
  std::promise<void> destroyed;
  std::atomic<bool> completed{false};
  {
    OneShot<int> slot;
    auto setter = slot.setter();
    auto waits = [](OneShot<int> s, std::promise<void>* d) -> Task<void> {
      Flag flag{d};
      co_await s.get();
    };
    REQUIRE(pool.try_spawn(waits(std::move(slot), &destroyed),
                           [&](std::exception_ptr) { completed = true; }));
    std::this_thread::sleep_for(20ms);  // suspended in get()
  }                                     // the last setter goes: the value can never come
  // The frame is still referenced by the slot's waiting callback, which the slot owns; the
  // slot goes with its last copy, the coroutine's own. Give it a moment, then stop the pool.
  pool.stop();
  CHECK(destroyed.get_future().wait_for(1s) == std::future_status::ready);
  CHECK_FALSE(completed.load());
}

TEST_CASE("get_until gives up at its deadline and the value can still be awaited", "[async]") {
  Pool pool(ThreadRole::kPool, "mg-pool", 1, 16);
  OneShot<int> slot;
  auto task = [](OneShot<int> s) -> Task<std::pair<bool, int>> {
    auto first = co_await s.get_until(std::chrono::steady_clock::now() + 10ms);
    s.set(5);
    auto second = co_await s.get_until(std::chrono::steady_clock::now() + 10s);
    co_return std::pair<bool, int>(first.has_value(), second.value_or(-1));
  };
  const auto [had_first, second] = run_on(pool, task(slot));
  CHECK_FALSE(had_first);
  CHECK(second == 5);
}

TEST_CASE("stopping a pool waits for a task suspended on a value", "[async]") {
  auto pool = std::make_unique<Pool>(ThreadRole::kPool, "mg-pool", 1, 16);
  OneShot<int> slot;
  std::atomic<int> seen{0};
  auto task = [](OneShot<int> s, std::atomic<int>* out) -> Task<void> {
    const int value = co_await s.get();  // a statement of its own: see core/README.md
    out->store(value);
  };
  REQUIRE(pool->try_spawn(task(slot, &seen), [](std::exception_ptr) {}));
  std::thread later([slot] {
    std::this_thread::sleep_for(30ms);
    slot.set(9);
  });
  pool->stop();
  later.join();
  CHECK(seen.load() == 9);
  CHECK_FALSE(pool->try_spawn(where_am_i(), [](std::exception_ptr, auto) {}));
}

namespace {

Task<int> wait_an_hour_for(OneShot<int> slot) {
  const std::optional<int> value = co_await slot.get_until(std::chrono::steady_clock::now() + 1h);
  co_return value.value_or(-1);
}

}  // namespace

TEST_CASE("a value that comes before get_until's deadline leaves no timer behind", "[async]") {
  // Pool::stop() joins its threads once nothing is pending: a deadline timer left armed after
  // the value came would hold every shutdown for as long as the deadline is away.
  auto pool = std::make_unique<Pool>(ThreadRole::kPool, "mg-pool", 1, 16);
  OneShot<int> slot;
  std::promise<int> out;
  REQUIRE(pool->try_spawn(wait_an_hour_for(slot),
                          [&](std::exception_ptr, std::optional<int> v) { out.set_value(*v); }));
  std::this_thread::sleep_for(20ms);  // suspended in get_until()
  slot.set(3);
  CHECK(out.get_future().get() == 3);
  const auto before = std::chrono::steady_clock::now();
  pool->stop();
  CHECK(std::chrono::steady_clock::now() - before < 5s);
}

// Inline: coroutines with no thread of their own (routes that never block).

TEST_CASE("an inline task runs on its caller's thread, then on the thread that delivered",
          "[async][inline]") {
  moodgate::async::Inline tasks;
  OneShot<int> slot;
  struct Seen {
    std::thread::id before, after, done;
    int value = 0;
  };
  auto task = [](OneShot<int> s, Seen* seen) -> Task<int> {
    seen->before = std::this_thread::get_id();
    const int value = co_await s.get();
    seen->after = std::this_thread::get_id();
    co_return value;
  };
  Seen seen;
  std::promise<void> finished;
  REQUIRE(tasks.spawn(task(slot, &seen), [&](std::exception_ptr, std::optional<int> v) {
    seen.done = std::this_thread::get_id();
    seen.value = *v;
    finished.set_value();
  }));
  // spawn() returned with the task suspended in get(), having started here.
  CHECK(seen.before == std::this_thread::get_id());
  CHECK(tasks.active() == 1);
  std::thread::id deliverer_id;
  std::thread deliverer([&] {
    deliverer_id = std::this_thread::get_id();
    slot.set(7);
  });
  deliverer.join();
  REQUIRE(finished.get_future().wait_for(1s) == std::future_status::ready);
  CHECK(seen.value == 7);
  CHECK(seen.after == deliverer_id);
  CHECK(seen.done == deliverer_id);
  CHECK(tasks.active() == 0);
}

TEST_CASE("an inline task whose values are there already ends within spawn()", "[async][inline]") {
  moodgate::async::Inline tasks;
  OneShot<int> a, b;
  a.set(40);
  b.set(2);
  std::optional<int> result;
  REQUIRE(tasks.spawn(add_when_both_come(a, b),
                      [&](std::exception_ptr, std::optional<int> v) { result = v; }));
  CHECK(result == 42);
  CHECK(tasks.active() == 0);
}

TEST_CASE("an exception escaping an inline task reaches its completion", "[async][inline]") {
  moodgate::async::Inline tasks;
  auto throwing = []() -> Task<int> {
    throw std::runtime_error("boom");
    co_return 0;
  };
  std::string message;
  bool had_value = true;
  REQUIRE(tasks.spawn(throwing(), [&](std::exception_ptr error, std::optional<int> v) {
    had_value = v.has_value();
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      message = e.what();
    }
  }));
  CHECK(message == "boom");
  CHECK_FALSE(had_value);
}

TEST_CASE("an inline task whose value can never come is destroyed, and stop() waits for it",
          "[async][inline]") {
  moodgate::async::Inline tasks;
  struct Flag {
    bool* destroyed;
    ~Flag() { *destroyed = true; }
  };
  bool destroyed = false;
  bool completed = false;
  {
    OneShot<int> slot;
    auto setter = slot.setter();
    auto waits = [](OneShot<int> s, bool* d) -> Task<void> {
      Flag flag{d};
      co_await s.get();
    };
    REQUIRE(tasks.spawn(waits(std::move(slot), &destroyed),
                        [&](std::exception_ptr) { completed = true; }));
    CHECK(tasks.active() == 1);
    CHECK_FALSE(destroyed);
  }  // the last setter goes here: the frame is destroyed on this thread, at once
  CHECK(destroyed);
  CHECK_FALSE(completed);
  CHECK(tasks.active() == 0);

  OneShot<int> slot;
  std::atomic<int> seen{0};
  auto task = [](OneShot<int> s, std::atomic<int>* out) -> Task<void> {
    const int value = co_await s.get();
    out->store(value);
  };
  REQUIRE(tasks.spawn(task(slot, &seen), [](std::exception_ptr) {}));
  std::thread later([slot] {
    std::this_thread::sleep_for(30ms);
    slot.set(9);
  });
  tasks.stop();  // returns once the suspended task has its value and ends
  later.join();
  CHECK(seen.load() == 9);
  CHECK_FALSE(tasks.spawn(where_am_i(), [](std::exception_ptr, auto) {}));
}
