// Running a coroutine to its end from a test's own thread: spawns it on a pool and blocks
// until it finishes, returning its value or rethrowing its exception.
#pragma once

#include <catch2/catch.hpp>

#include <exception>
#include <future>
#include <optional>

#include "core/common/async.h"

namespace moodgate::testing {

template <typename T>
T run_task(async::Pool& pool, async::Task<T> task) {
  std::promise<T> promise;
  auto future = promise.get_future();
  const bool started =
      pool.try_spawn(std::move(task), [&promise](std::exception_ptr e, std::optional<T> v) {
        if (e) {
          promise.set_exception(e);
        } else {
          promise.set_value(std::move(*v));
        }
      });
  REQUIRE(started);
  return future.get();
}

}  // namespace moodgate::testing
