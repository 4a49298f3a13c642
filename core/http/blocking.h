// Running a handler's blocking part on the worker pool.
//
// answer_on_pool(pool, exchange, work): `work()` runs on a pool thread and returns
// Result<HttpResponse>; its value or error answers the exchange. A full pool answers 503 at once
// (back-pressure instead of an unbounded queue); an exception answers 500 without internals.
#pragma once

#include <spdlog/spdlog.h>

#include <exception>
#include <memory>
#include <utility>

#include "core/common/result.h"
#include "core/common/worker_pool.h"
#include "core/http/exchange.h"

namespace moodgate::http {

template <typename Work>
void answer_on_pool(WorkerPool& pool, const std::shared_ptr<Exchange>& exchange, Work&& work) {
  auto job = [exchange, work = std::forward<Work>(work)]() mutable {
    try {
      Result<HttpResponse> result = work();
      if (result.ok()) {
        exchange->reply(std::move(result).value());
      } else {
        exchange->fail(result.error());
      }
    } catch (const std::exception& e) {
      spdlog::error("request {}: unhandled exception: {}", exchange->request().request_id,
                    e.what());
      exchange->fail(Error::internal());
    }
  };
  if (!pool.try_submit(std::move(job))) {
    exchange->fail(Error::unavailable("Server is busy, try again shortly"));
  }
}

}  // namespace moodgate::http
