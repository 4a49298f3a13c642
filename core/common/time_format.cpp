#include "core/common/time_format.h"

#include <cstdio>
#include <ctime>

namespace moodgate {
namespace {

bool read_digits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
  out = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

std::string format_rfc3339_ms(WallClock::time_point t) {
  const auto ms_since_epoch =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  long long seconds = ms_since_epoch / 1000;
  long long millis = ms_since_epoch % 1000;
  if (millis < 0) {  // before 1970: floor, not truncate
    millis += 1000;
    seconds -= 1;
  }
  const std::time_t tt = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[80];  // room for any int the compiler imagines, not just real dates
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

std::optional<WallClock::time_point> parse_rfc3339_ms(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS.mmmZ
  if (text.size() != 24 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != '.' || text[23] != 'Z') {
    return std::nullopt;
  }
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  if (!read_digits(text, 0, 4, year) || !read_digits(text, 5, 2, month) ||
      !read_digits(text, 8, 2, day) || !read_digits(text, 11, 2, hour) ||
      !read_digits(text, 14, 2, minute) || !read_digits(text, 17, 2, second) ||
      !read_digits(text, 20, 3, millis)) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  // In milliseconds first: WallClock counts nanoseconds in 64 bits, from 1677-09-21 to
  // 2262-04-11, and a year outside (0000..9999 all have the shape) would overflow into another.
  using std::chrono::milliseconds;
  const long long ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::sys_days(ymd).time_since_epoch())
          .count() +
      ((hour * 60LL + minute) * 60 + second) * 1000 + millis;
  constexpr long long kFirstMs =
      std::chrono::duration_cast<milliseconds>(WallClock::duration::min()).count();
  constexpr long long kLastMs =
      std::chrono::duration_cast<milliseconds>(WallClock::duration::max()).count();
  if (ms < kFirstMs || ms > kLastMs) return std::nullopt;
  return WallClock::time_point(milliseconds(ms));
}

std::int64_t unix_seconds(WallClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

WallClock::time_point from_unix_seconds(std::int64_t seconds) {
  return WallClock::time_point(std::chrono::seconds(seconds));
}

}  // namespace moodgate
