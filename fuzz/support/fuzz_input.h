// Reading a fuzz input as a few leading choice bytes and a payload, so that a seed file reads
// as "<choices><payload>" with printable choices ("01{...}") and the payload stays plain text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace moodgate::fuzz {

class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  // The next byte, or 0 when the input is used up.
  std::uint8_t byte() {
    if (rest_.empty()) return 0;
    const auto b = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }

  // Everything up to the first `delimiter` (which is consumed), or all that is left.
  std::string_view until(char delimiter) {
    const auto at = rest_.find(delimiter);
    const std::string_view taken = rest_.substr(0, at);
    rest_.remove_prefix(at == std::string_view::npos ? rest_.size() : at + 1);
    return taken;
  }

  // All that is left.
  std::string_view rest() {
    const std::string_view taken = rest_;
    rest_ = {};
    return taken;
  }

 private:
  std::string_view rest_;
};

}  // namespace moodgate::fuzz
