// fake_gemini: the tests' FakeGemini (tests/support/fake_gemini.h) as a standalone process, the
// upstream of the AI benchmarks (bench/ai_calls.sh).
//
//   fake_gemini [--delay-ms N] [--api-key K] [--save-first-body PATH] [--report-every-ms N]
//
// Answers every valid generateContent call with a short text reply after N ms (default 0); the
// key defaults to "bench-key". Prints "fake gemini listening on PORT" on stdout once it listens,
// then serves until SIGTERM or SIGINT, and prints what it saw on stderr as it stops.
// --save-first-body writes the body of the first generateContent call it answers to PATH, so a
// benchmark can send the very request the gateway sends. --report-every-ms prints, that often,
// a line "fake gemini: t=<ms since start> requests=<total> open=<connections open>" on stderr.
//
// The fake keeps a copy of every request (the tests read them), so its memory grows with the
// number of calls: fine for runs of minutes, not for soak tests.
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "tests/support/fake_gemini.h"

namespace {

struct Options {
  long delay_ms = 0;
  std::string api_key = "bench-key";
  std::string save_first_body;
  long report_every_ms = 0;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "fake_gemini: %s\nusage: fake_gemini [--delay-ms N] [--api-key K] "
               "[--save-first-body PATH] [--report-every-ms N]\n",
               why);
  std::exit(2);
}

long whole_number(const std::string& option, const std::string& value) {
  char* end = nullptr;
  const long n = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || n < 0) {
    usage((option + " takes a whole number >= 0").c_str());
  }
  return n;
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) usage(("missing value after " + arg).c_str());
    const std::string value = argv[++i];
    if (arg == "--delay-ms") {
      options.delay_ms = whole_number(arg, value);
    } else if (arg == "--report-every-ms") {
      options.report_every_ms = whole_number(arg, value);
    } else if (arg == "--api-key") {
      options.api_key = value;
    } else if (arg == "--save-first-body") {
      options.save_first_body = value;
    } else {
      usage(("unknown option " + arg).c_str());
    }
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  // Blocked before the server's thread starts, so that it inherits the mask and the signals
  // wait for sigwait() below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  try {
    moodgate::testing::FakeGemini fake(options.api_key);
    const auto delay = std::chrono::milliseconds(options.delay_ms);
    auto body_saved = std::make_shared<std::atomic<bool>>(options.save_first_body.empty());
    fake.set_fallback([delay, body_saved, path = options.save_first_body](
                          const moodgate::testing::FakeGeminiRequest& request) {
      if (!body_saved->exchange(true)) std::ofstream(path, std::ios::binary) << request.body;
      auto reply = moodgate::testing::text_reply("Hello from the benchmark's fake Gemini.", 10, 20,
                                                 0, request.model);
      reply.delay = delay;
      return reply;
    });
    std::cout << "fake gemini listening on " << fake.port() << std::endl;

    const auto start = std::chrono::steady_clock::now();
    if (options.report_every_ms > 0) {
      const long every_ns = options.report_every_ms * 1000000;
      const timespec period{every_ns / 1000000000, every_ns % 1000000000};
      while (sigtimedwait(&stop_signals, nullptr, &period) < 0) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - start);
        std::cerr << "fake gemini: t=" << ms.count() << " requests=" << fake.request_count()
                  << " open=" << fake.open_connections() << std::endl;
      }
    } else {
      int signal_number = 0;
      sigwait(&stop_signals, &signal_number);
    }
    std::cerr << "fake gemini: " << fake.request_count() << " requests, "
              << fake.connections_accepted() << " connections accepted, at most "
              << fake.max_concurrent_connections() << " open at once" << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "fake_gemini: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
