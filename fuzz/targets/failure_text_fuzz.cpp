// Fuzz target: the filter between a failed AI call and the client (core/ai/failure_text.h).
// safe_reason() reads whatever a plugin or provider wrote; what it returns must be one bounded
// line of valid UTF-8 without a link, an address or an e-mail, and filtering it again must change
// nothing. redact_secrets() must leave no trace of a secret setting.
//
// Input: <secret>\n<message>: the first line is an api_key setting, the rest the message.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/ai/failure_text.h"
#include "fuzz/support/fuzz_check.h"
#include "fuzz/support/fuzz_input.h"

namespace {

bool is_valid_utf8_line(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;
    const std::size_t len = c < 0x80                 ? 1
                            : c >= 0xC2 && c <= 0xDF ? 2
                            : c >= 0xE0 && c <= 0xEF ? 3
                            : c >= 0xF0 && c <= 0xF4 ? 4
                                                     : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

// Four dot-separated numbers in a row, as in 127.0.0.1.
bool has_ipv4(std::string_view s) {
  int numbers = 0;
  bool in_number = false;
  for (const char c : s) {
    if (c >= '0' && c <= '9') {
      if (!in_number) ++numbers;
      in_number = true;
      if (numbers >= 4) return true;
    } else if (c == '.' && in_number) {
      in_number = false;
    } else {
      numbers = 0;
      in_number = false;
    }
  }
  return false;
}

// `text` cut at every ai::kRedacted, which the pieces do not include.
std::vector<std::string_view> split_on_redacted(std::string_view text) {
  using moodgate::ai::kRedacted;
  std::vector<std::string_view> pieces;
  for (auto at = text.find(kRedacted); at != std::string_view::npos; at = text.find(kRedacted)) {
    pieces.push_back(text.substr(0, at));
    text.remove_prefix(at + kRedacted.size());
  }
  pieces.push_back(text);
  return pieces;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using moodgate::ai::kMaxReasonBytes;
  moodgate::fuzz::FuzzInput input(data, size);
  const std::string secret(input.until('\n'));
  const std::string message(input.rest());

  const std::string reason = moodgate::ai::safe_reason(message);
  FUZZ_CHECK(reason.size() <= kMaxReasonBytes);
  FUZZ_CHECK(is_valid_utf8_line(reason));
  FUZZ_CHECK(reason.find("://") == std::string::npos);
  FUZZ_CHECK(reason.find('@') == std::string::npos);
  FUZZ_CHECK(!has_ipv4(reason));
  FUZZ_CHECK(moodgate::ai::safe_reason(reason) == reason);

  const std::map<std::string, std::string> settings = {{"api_key", secret}};
  const std::string logged = moodgate::ai::redact_secrets(message, settings);
  // No piece of the logged text between replacements may hold the secret (a replacement itself
  // may spell it: "dact" is in "[redacted]"). Values under 4 bytes are never redacted, and a
  // secret with a bracket could straddle a replacement and its neighbour: those are skipped.
  const bool checkable = secret.size() >= 4 && secret.find_first_of("[]") == std::string::npos;
  if (checkable) {
    for (const std::string_view piece : split_on_redacted(logged)) {
      FUZZ_CHECK(piece.find(secret) == std::string_view::npos);
    }
  }
  return 0;
}
