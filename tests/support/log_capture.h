// LogCapture: while it lives, every line the default spdlog logger writes is also kept in memory,
// so a test can check what the gateway logged (the host of a failed call) and what it did not
// (a key). The default logger is swapped on construction and restored on destruction; a
// TestServer installs its own logger when it starts, so create the capture after the server,
// before the requests whose logs it should see.
#pragma once

#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace moodgate::testing {

class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // Everything logged so far, one line per message. Thread-safe.
  std::string text() const;

 private:
  class Sink;
  std::shared_ptr<Sink> sink_;
  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace moodgate::testing
