#include "core/config/value_syntax.h"

#include <arpa/inet.h>

#include <charconv>
#include <limits>
#include <stdexcept>
#include <string>

namespace moodgate::config {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (!is_digit(c)) return false;
  }
  return true;
}

std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
  if (!all_digits(text)) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool is_origin_scheme(std::string_view scheme) {
  if (scheme.empty() || !is_lower(scheme.front())) return false;
  for (const char c : scheme) {
    if (!is_lower(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

bool is_origin_host(std::string_view host) {
  if (host.empty()) return false;
  if (host.front() == '[') {  // an IPv6 literal
    if (host.size() < 3 || host.back() != ']') return false;
    const std::string address(host.substr(1, host.size() - 2));
    in6_addr parsed{};
    return inet_pton(AF_INET6, address.c_str(), &parsed) == 1;
  }
  for (const char c : host) {
    if (!is_lower(c) && !is_digit(c) && c != '-' && c != '.') return false;
  }
  return host.front() != '.' && host.back() != '.';
}

constexpr long long kMicrosPerUsd = 1'000'000;
constexpr long long kMaxSpendMicros = 1'000'000 * kMicrosPerUsd;  // a million USD per window

// The window of a rate or spend: digits and a unit s, m, h or d, 1 s..7 d; in seconds.
std::optional<int> parse_window(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  long long unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    default:
      return std::nullopt;
  }
  text.remove_suffix(1);
  const std::optional<std::uint64_t> amount = parse_unsigned(text);
  if (!amount || *amount < 1 || *amount > static_cast<std::uint64_t>(7LL * 86400 / unit)) {
    return std::nullopt;
  }
  return static_cast<int>(*amount * unit);
}

// The largest unit that divides the window: 86400 -> "1d", 900 -> "15m", 90 -> "90s".
std::string format_window(int window_s) {
  if (window_s % 86400 == 0) return std::to_string(window_s / 86400) + "d";
  if (window_s % 3600 == 0) return std::to_string(window_s / 3600) + "h";
  if (window_s % 60 == 0) return std::to_string(window_s / 60) + "m";
  return std::to_string(window_s) + "s";
}

// Decimal USD with at most 6 decimals ("2", "2.50", "0.000001") as whole micro-USD; exact, no
// floating point. nullopt for anything else (signs, exponents, spaces) or on overflow.
std::optional<long long> parse_usd_micros(std::string_view text) {
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (dot != std::string_view::npos && (fraction.empty() || fraction.size() > 6)) {
    return std::nullopt;
  }
  if (whole.size() > 12) return std::nullopt;
  const std::optional<std::uint64_t> usd = parse_unsigned(whole);
  if (!usd) return std::nullopt;
  long long micros = static_cast<long long>(*usd) * kMicrosPerUsd;
  if (!fraction.empty()) {
    const std::optional<std::uint64_t> digits = parse_unsigned(fraction);
    if (!digits) return std::nullopt;
    long long scale = 1;
    for (std::size_t i = fraction.size(); i < 6; ++i) scale *= 10;
    micros += static_cast<long long>(*digits) * scale;
  }
  return micros;
}

}  // namespace

std::optional<long long> parse_integer(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  if (!all_digits(negative ? text.substr(1) : text)) return std::nullopt;
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> parse_decimal(std::string_view text) {
  const std::string owned(text);
  try {
    std::size_t used = 0;
    const double value = std::stod(owned, &used);
    if (used == owned.size()) return value;
  } catch (const std::invalid_argument&) {
  } catch (const std::out_of_range&) {
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
  std::uint64_t unit = 1;
  if (text.ends_with("KiB")) {
    unit = 1024;
    text.remove_suffix(3);
  } else if (text.ends_with("MiB")) {
    unit = std::uint64_t{1024} * 1024;
    text.remove_suffix(3);
  }
  const std::optional<std::uint64_t> count = parse_unsigned(text);
  if (!count || *count > std::numeric_limits<std::uint64_t>::max() / unit) return std::nullopt;
  return *count * unit;
}

std::string format_byte_size(std::uint64_t bytes) {
  constexpr std::uint64_t kKiB = 1024;
  constexpr std::uint64_t kMiB = kKiB * 1024;
  if (bytes != 0 && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + "MiB";
  if (bytes != 0 && bytes % kKiB == 0) return std::to_string(bytes / kKiB) + "KiB";
  return std::to_string(bytes);
}

bool is_cors_origin(std::string_view text) {
  if (text == "*") return true;
  const std::size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos || !is_origin_scheme(text.substr(0, scheme_end))) {
    return false;
  }
  std::string_view authority = text.substr(scheme_end + 3);
  // The port separator is the last ':' after any IPv6 literal's closing ']'.
  const std::size_t bracket = authority.rfind(']');
  const std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    const std::optional<std::uint64_t> port = parse_unsigned(authority.substr(colon + 1));
    if (!port || *port == 0 || *port > 65535 || authority.size() - colon - 1 > 5) return false;
    authority = authority.substr(0, colon);
  }
  return is_origin_host(authority);
}

bool is_ip_or_cidr(std::string_view text) {
  const std::size_t slash = text.find('/');
  const std::string address(text.substr(0, slash));
  int max_prefix = 0;
  if (in_addr v4{}; inet_pton(AF_INET, address.c_str(), &v4) == 1) {
    max_prefix = 32;
  } else if (in6_addr v6{}; inet_pton(AF_INET6, address.c_str(), &v6) == 1) {
    max_prefix = 128;
  } else {
    return false;
  }
  if (slash == std::string_view::npos) return true;
  const std::string_view prefix_text = text.substr(slash + 1);
  const std::optional<std::uint64_t> prefix = parse_unsigned(prefix_text);
  return prefix && prefix_text.size() <= 3 && *prefix <= static_cast<std::uint64_t>(max_prefix);
}

bool is_database_url(std::string_view text) {
  constexpr std::string_view kSqlite = "sqlite:///";
  for (const std::string_view scheme :
       {kSqlite, std::string_view("postgresql://"), std::string_view("postgres://")}) {
    if (text.starts_with(scheme)) return text.size() > scheme.size();
  }
  return false;
}

std::optional<std::pair<int, int>> parse_rate(std::string_view text) {
  if (text == "off") return std::pair<int, int>{0, 0};
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::optional<long long> count = parse_integer(text.substr(0, slash));
  const std::optional<int> window = parse_window(text.substr(slash + 1));
  if (!count || !window || *count < 1 || *count > 1'000'000) return std::nullopt;
  return std::pair<int, int>{static_cast<int>(*count), *window};
}

std::string format_rate(int count, int window_s) {
  if (count <= 0) return "off";
  return std::to_string(count) + "/" + format_window(window_s);
}

std::optional<std::pair<long long, int>> parse_spend(std::string_view text) {
  if (text == "off") return std::pair<long long, int>{0, 0};
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::optional<long long> micros = parse_usd_micros(text.substr(0, slash));
  const std::optional<int> window = parse_window(text.substr(slash + 1));
  if (!micros || !window || *micros < 1 || *micros > kMaxSpendMicros) return std::nullopt;
  return std::pair<long long, int>{*micros, *window};
}

std::string format_spend(long long micros, int window_s) {
  if (micros <= 0) return "off";
  return format_usd(micros) + "/" + format_window(window_s);
}

std::string format_usd(long long micros) {
  std::string fraction = std::to_string(micros % kMicrosPerUsd);
  fraction.insert(0, 6 - fraction.size(), '0');
  while (fraction.size() > 2 && fraction.back() == '0') fraction.pop_back();
  return std::to_string(micros / kMicrosPerUsd) + "." + fraction;
}

}  // namespace moodgate::config
