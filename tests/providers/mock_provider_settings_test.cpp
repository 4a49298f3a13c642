// Specification of the `mock` provider's settings: simulated latency, deterministic simulated
// failures, the model name, and the refusal of anything else; and of finish(), which the mock
// never needs.
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "moodgate/provider.h"
#include "tests/providers/mock_test_support.h"

namespace moodgate {
namespace {

using namespace testing::mock_support;

// The message the factory throws for `settings`; fails the test if it accepts them.
std::string rejection_of(const sdk::Settings& settings) {
  try {
    mock(settings);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  FAIL("the settings were accepted");
  return "";
}

// Whether the mock fails `task` (REQUIREs a LocalAnswer).
template <typename Task>
bool fails(sdk::Provider& provider, const Task& task) {
  sdk::LocalAnswer answer = local_answer(provider.start(task));
  const auto* failure = std::get_if<sdk::Failure>(&answer.outcome);
  if (failure == nullptr) return false;
  CHECK(failure->kind == sdk::FailureKind::kUnavailable);
  CHECK(failure->message == "mock: simulated failure");
  return true;
}

std::string entry(int i) {
  return "Entry number " + std::to_string(i) + ": I felt calm.";
}

}  // namespace

TEST_CASE("latency_ms is the delay of every answer, failures included", "[providers][mock]") {
  CHECK(local_answer(mock()->start(text_task("Hi."))).delay == std::chrono::milliseconds(0));
  auto slow = mock({{"latency_ms", "250"}});
  CHECK(local_answer(slow->start(text_task("Hi."))).delay == std::chrono::milliseconds(250));
  CHECK(local_answer(slow->start(image_task("calm"))).delay == std::chrono::milliseconds(250));
  auto slow_failing = mock({{"latency_ms", "60000"}, {"failure_rate", "1"}});
  CHECK(local_answer(slow_failing->start(text_task("Hi."))).delay ==
        std::chrono::milliseconds(60000));
}

TEST_CASE("failure_rate 1 fails every task as unavailable, and 0 none", "[providers][mock]") {
  auto always = mock({{"failure_rate", "1"}});
  auto never = mock({{"failure_rate", "0"}});
  for (int i = 0; i < 50; ++i) {
    CHECK(fails(*always, text_task(entry(i))));
    CHECK(fails(*always, image_task(entry(i))));
    CHECK_FALSE(fails(*never, text_task(entry(i))));
    CHECK_FALSE(fails(*never, image_task(entry(i))));
  }
}

TEST_CASE("failure_rate 0.5 fails about half of the tasks, and always the same ones",
          "[providers][mock]") {
  auto provider = mock({{"failure_rate", "0.5"}});
  auto again = mock({{"failure_rate", "0.5"}});
  std::vector<bool> failed;
  for (int i = 0; i < 200; ++i) failed.push_back(fails(*provider, text_task(entry(i))));
  auto count = std::count(failed.begin(), failed.end(), true);
  CHECK(count > 60);
  CHECK(count < 140);
  for (int i = 0; i < 200; ++i) {
    CHECK(fails(*provider, text_task(entry(i))) == failed[i]);
    CHECK(fails(*again, text_task(entry(i))) == failed[i]);
  }
}

TEST_CASE("Invalid settings are refused with a message that names the setting",
          "[providers][mock]") {
  for (std::string value : {"abc", "-1", "60001", "1.5", "", " 5"}) {
    INFO(value);
    CHECK_THAT(rejection_of({{"latency_ms", value}}), Catch::Contains("latency_ms"));
  }
  for (std::string value : {"x", "1.5", "-0.1", "nan", "inf", "0.5x"}) {
    INFO(value);
    CHECK_THAT(rejection_of({{"failure_rate", value}}), Catch::Contains("failure_rate"));
  }
  CHECK_THAT(rejection_of({{"model", ""}}), Catch::Contains("model"));

  std::string unknown = rejection_of({{"api_key", "sk-very-secret"}});
  CHECK_THAT(unknown, Catch::Contains("api_key"));
  CHECK_THAT(unknown, !Catch::Contains("sk-very-secret"));

  CHECK_NOTHROW(mock({{"latency_ms", "60000"}, {"failure_rate", "0.25"}, {"model", "m"}}));
}

TEST_CASE("finish() says the mock has no HTTP exchange", "[providers][mock]") {
  sdk::Next next =
      mock()->finish(text_task("Hi."), sdk::HttpRequest{}, sdk::HttpReply{200, {}, "{}"});
  REQUIRE(std::holds_alternative<sdk::Failure>(next));
  CHECK(std::get<sdk::Failure>(next).kind == sdk::FailureKind::kBadResponse);
  CHECK(std::get<sdk::Failure>(next).message == "mock: no HTTP exchange");
}

}  // namespace moodgate
