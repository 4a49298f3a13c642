// The text forms config values are written in: integers, decimal numbers, byte sizes, CORS
// origins, proxy addresses, database URLs, rates and spend caps. Pure functions over strings,
// shared by the option readers (option_schema.h) and their tests; they say whether text is
// well-formed, never why.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace moodgate::config {

// A decimal integer: optional '-', then digits only ("8080", "-1"); nullopt otherwise or on
// overflow. No '+', no spaces, no fractions, no hex.
std::optional<long long> parse_integer(std::string_view text);

// A decimal number as std::stod reads it ("0.30", "2.5", "1e3"; also a leading sign or spaces,
// hex, inf and nan), the whole text used; nullopt otherwise or when it overflows a double. Prices
// have always been read this way; the caller judges the range, which inf and nan never pass.
std::optional<double> parse_decimal(std::string_view text);

// A byte count: digits, optionally followed by KiB (x1024) or MiB (x1048576), no space:
// "16384", "512KiB", "1MiB". nullopt otherwise or on overflow.
std::optional<std::uint64_t> parse_byte_size(std::string_view text);

// The shortest exact way to write a byte count in that form: 1048576 -> "1MiB", 1536 -> "1536".
std::string format_byte_size(std::uint64_t bytes);

// "*" or an origin as browsers send it: scheme://host[:port], lower case, no path, no trailing
// slash ("https://app.example.com", "http://localhost:5173", "capacitor://localhost").
bool is_cors_origin(std::string_view text);

// An IPv4 or IPv6 address, or a CIDR range of either ("10.0.0.0/8", "::1", "fd00::/8").
bool is_ip_or_cidr(std::string_view text);

// sqlite:///<path> (relative to the working directory; sqlite:////abs/path for an absolute one)
// or postgresql:// (alias postgres://) followed by what libpq accepts; the part after the scheme
// non-empty. store/database_url.h parses it fully when the database is opened.
bool is_database_url(std::string_view text);

// How parse_rate() and parse_spend() text is described in messages ("expected ..., got ...").
inline constexpr const char* kRateSyntax =
    "<count>/<window> such as 5/1h or 10/15m (units s, m, h, d; a count up to 1000000, a window "
    "up to 7d), or off";
inline constexpr const char* kSpendSyntax =
    "<usd>/<window> such as 2.00/1d or 0.50/1h (US dollars with up to 6 decimals, more than 0 "
    "and at most 1000000; units s, m, h, d; a window up to 7d), or off";

// A fixed-window rate: "<count>/<window>" where window is digits and a unit s, m, h or d
// ("5/1h", "10/15m", "100/30s"), or "off". Returns {count, window seconds}; "off" is {0, 0}.
// The count is 1..1000000 and the window 1 s..7 d; nullopt for anything else.
std::optional<std::pair<int, int>> parse_rate(std::string_view text);

// The canonical text of a rate parse_rate() accepts: {5, 3600} -> "5/1h", {0, 0} -> "off".
std::string format_rate(int count, int window_s);

// A fixed-window spend cap: "<usd>/<window>" where usd is a decimal number of US dollars with at
// most 6 decimals ("2.00/1d", "0.5/12h", "10/7d") and the window is as in parse_rate(), or "off".
// Returns {micro-USD, window seconds}, exact (no floating point); "off" is {0, 0}. The amount is
// 0.000001..1000000 USD; nullopt for anything else (signs, exponents, spaces).
std::optional<std::pair<long long, int>> parse_spend(std::string_view text);

// The canonical text of a spend cap parse_spend() accepts: {2000000, 86400} -> "2.00/1d",
// {2500, 3600} -> "0.0025/1h", {0, 0} -> "off".
std::string format_spend(long long micros, int window_s);

// A non-negative amount of micro-USD as decimal dollars with at least two decimals and no
// trailing zeros beyond them: 2000000 -> "2.00", 12300 -> "0.0123", 0 -> "0.00".
std::string format_usd(long long micros);

}  // namespace moodgate::config
