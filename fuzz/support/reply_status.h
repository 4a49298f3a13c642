// The HTTP status a plugin fuzz target's first input byte picks, shared by the targets
// (fuzz_plugin.h) and the tool that writes their seeds (tools/dump_fake_replies.cpp), so that
// a seed's status byte means the same to both. The byte's low four bits index kReplyStatuses:
// '0'..'3' are 200, '4' is 400, '9' 429, ':' 500, '<' 503.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace moodgate::fuzz {

inline constexpr std::array<int, 16> kReplyStatuses = {200, 200, 200, 200, 400, 401, 403, 404,
                                                       408, 429, 500, 502, 503, 504, 418, 302};

// The status `choice` picks.
constexpr int reply_status(std::uint8_t choice) {
  return kReplyStatuses[choice & 0x0F];
}

// The printable choice byte ('0'..'?') that picks `status`; '0' (200) when none does.
constexpr char status_choice(int status) {
  for (std::size_t i = 0; i < kReplyStatuses.size(); ++i) {
    if (kReplyStatuses[i] == status) return static_cast<char>('0' + i);
  }
  return '0';
}

}  // namespace moodgate::fuzz
