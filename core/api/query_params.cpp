#include "core/api/query_params.h"

#include <algorithm>
#include <charconv>
#include <ctime>

#include "core/common/time_format.h"

namespace moodgate::api {
namespace {

// The digits of text[pos, pos+n) as a number, if they are all digits.
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t n) {
  if (pos + n > text.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

bool valid_date(int y, int m, int d) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

// Milliseconds since the epoch named by `text`, or nullopt.
std::optional<std::int64_t> parse_time(std::string_view text, RangeEnd end) {
  const auto y = digits(text, 0, 4), mo = digits(text, 5, 2), d = digits(text, 8, 2);
  if (!y || !mo || !d || text.size() < 10 || text[4] != '-' || text[7] != '-' ||
      !valid_date(*y, *mo, *d)) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = *y - 1900;
  tm.tm_mon = *mo - 1;
  tm.tm_mday = *d;
  if (text.size() == 10) {
    std::int64_t day_start = static_cast<std::int64_t>(timegm(&tm)) * 1000;
    return end == RangeEnd::kFrom ? day_start : day_start + 86'400'000;
  }
  const auto h = digits(text, 11, 2), mi = digits(text, 14, 2), s = digits(text, 17, 2);
  if (text.size() < 20 || (text[10] != 'T' && text[10] != 't') || text[13] != ':' ||
      text[16] != ':' || !h || !mi || !s || *h > 23 || *mi > 59 || *s > 59) {
    return std::nullopt;
  }
  tm.tm_hour = *h;
  tm.tm_min = *mi;
  tm.tm_sec = *s;
  std::int64_t ms = static_cast<std::int64_t>(timegm(&tm)) * 1000;
  std::size_t pos = 19;
  if (text[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    int fraction = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (pos - start < 3) fraction = fraction * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == start) return std::nullopt;
    for (std::size_t k = pos - start; k < 3; ++k) fraction *= 10;
    ms += fraction;
  }
  const std::string_view zone = text.substr(pos);
  if (zone == "Z" || zone == "z") return ms;
  const auto oh = digits(zone, 1, 2), om = digits(zone, 4, 2);
  if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':' || !oh || !om ||
      *oh > 23 || *om > 59) {
    return std::nullopt;
  }
  const std::int64_t offset = (*oh * 60 + *om) * 60'000;
  return zone[0] == '+' ? ms - offset : ms + offset;
}

}  // namespace

Result<int> page_limit(const http::HttpRequest& request) {
  const auto raw = request.query_param("limit");
  if (!raw) return kDefaultPageSize;
  int value = 0;
  const auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
  if (ec != std::errc() || end != raw->data() + raw->size() || value < 1 || value > kMaxPageSize) {
    return Error::invalid_input("limit must be an integer from 1 to 100", "limit");
  }
  return value;
}

Result<bool> bool_param(const http::HttpRequest& request, const std::string& name, bool fallback) {
  const auto raw = request.query_param(name);
  if (!raw) return fallback;
  if (*raw == "true" || *raw == "1") return true;
  if (*raw == "false" || *raw == "0") return false;
  return Error::invalid_input(name + " must be true or false", name);
}

Result<std::string> range_time(std::string_view text, RangeEnd end, const std::string& field) {
  const auto ms = parse_time(text, end);
  if (!ms) {
    return Error::invalid_input(
        field + " must be a date (2026-11-22) or an RFC 3339 time (2026-11-22T09:15:02Z)", field);
  }
  // WallClock counts nanoseconds, so it ends in April 2262 and a later time (dates up to 9999
  // are valid) would wrap around into the past: clamp it to that end, which is still after any
  // time the server can have written.
  constexpr std::int64_t kLastMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(WallClock::duration::max()).count();
  return format_rfc3339_ms(
      WallClock::time_point(std::chrono::milliseconds(std::min(*ms, kLastMs))));
}

Result<std::optional<std::string>> time_param(const http::HttpRequest& request,
                                              const std::string& name, RangeEnd end) {
  const auto raw = request.query_param(name);
  if (!raw) return std::optional<std::string>();
  auto t = range_time(*raw, end, name);
  if (!t) return std::move(t).error();
  return std::optional<std::string>(std::move(t).value());
}

}  // namespace moodgate::api
