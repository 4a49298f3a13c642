#include "tests/support/log_capture.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <vector>

namespace moodgate::testing {

class LogCapture::Sink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::string contents() {
    std::lock_guard lock(mutex_);
    return text_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    text_.append(formatted.data(), formatted.size());
  }
  void flush_() override {}

 private:
  std::string text_;
};

LogCapture::LogCapture() : sink_(std::make_shared<Sink>()), previous_(spdlog::default_logger()) {
  auto sinks = previous_->sinks();  // still shown as before
  sinks.push_back(sink_);
  logger_ = std::make_shared<spdlog::logger>(previous_->name(), sinks.begin(), sinks.end());
  logger_->set_level(previous_->level());
  spdlog::set_default_logger(logger_);
}

LogCapture::~LogCapture() {
  spdlog::set_default_logger(previous_);
  // spdlog::warn() and friends use the default logger through a raw pointer: a server thread may
  // still be writing with this one, so it is kept until the process ends.
  static auto* retired = new std::vector<std::shared_ptr<spdlog::logger>>();
  static std::mutex retired_mu;
  std::lock_guard lock(retired_mu);
  retired->push_back(std::move(logger_));
}

std::string LogCapture::text() const {
  return sink_->contents();
}

}  // namespace moodgate::testing
