// What a fuzz target asserts about the code under test. A broken property aborts, which both
// libFuzzer and the standalone driver report as a crash with the input that caused it; unlike
// assert() it stays on in release builds.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace moodgate::fuzz {

[[noreturn]] inline void check_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, condition);
  std::abort();
}

}  // namespace moodgate::fuzz

#define FUZZ_CHECK(condition)         \
  ((condition) ? static_cast<void>(0) \
               : ::moodgate::fuzz::check_failed(#condition, __FILE__, __LINE__))
