// Wall-clock time as API.md and the database write it: RFC 3339 UTC with milliseconds,
// "2026-11-22T09:15:02.123Z". Text in this exact shape sorts in time order, which the SQLite
// schema relies on (its CHECKs enforce the shape). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace moodgate {

using WallClock = std::chrono::system_clock;

// "2026-11-22T09:15:02.123Z" for `t` (truncated to milliseconds).
std::string format_rfc3339_ms(WallClock::time_point t);
// The instant `text` names, if it is exactly the shape format_rfc3339_ms() writes and within
// what WallClock can hold (1677-09-21 to 2262-04-11).
std::optional<WallClock::time_point> parse_rfc3339_ms(std::string_view text);

// Seconds since the Unix epoch.
std::int64_t unix_seconds(WallClock::time_point t);
inline std::int64_t unix_now() {
  return unix_seconds(WallClock::now());
}
// The instant `seconds` after the Unix epoch.
WallClock::time_point from_unix_seconds(std::int64_t seconds);

}  // namespace moodgate
