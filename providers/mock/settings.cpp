#include "settings.h"

#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>
#include <system_error>

namespace moodgate::mock {
namespace {

constexpr long long kMaxLatencyMs = 60000;

[[noreturn]] void reject(const std::string& name, const std::string& expected,
                         const std::string& value) {
  throw std::invalid_argument("mock: setting " + name + " must be " + expected + ", got \"" +
                              value + "\"");
}

template <typename Number>
bool parse_whole(const std::string& text, Number& out) {
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, out);
  return error == std::errc() && stop == end;
}

}  // namespace

MockSettings parse_settings(const sdk::Settings& settings) {
  MockSettings parsed;
  for (const auto& [name, value] : settings) {
    if (name == "model") {
      if (value.empty()) reject(name, "a non-empty model name", value);
      parsed.model = value;
    } else if (name == "latency_ms") {
      long long ms = 0;
      if (!parse_whole(value, ms) || ms < 0 || ms > kMaxLatencyMs) {
        reject(name, "an integer from 0 to 60000", value);
      }
      parsed.latency = std::chrono::milliseconds(ms);
    } else if (name == "failure_rate") {
      double rate = 0;
      if (!parse_whole(value, rate) || !std::isfinite(rate) || rate < 0 || rate > 1) {
        reject(name, "a number from 0 to 1", value);
      }
      parsed.failure_rate = rate;
    } else {
      // The value is not quoted: an unknown key may well hold a secret.
      throw std::invalid_argument("mock: unknown setting " + name +
                                  " (known: model, latency_ms, failure_rate)");
    }
  }
  return parsed;
}

}  // namespace moodgate::mock
