// The text forms config values are written in: integers, decimal numbers, byte sizes, CORS
// origins, proxy addresses, database URLs, rates. Pure functions over strings, shared by the
// option readers (option_schema.h) and their tests; they say whether text is well-formed, never
// why.
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

// A fixed-window rate: "<count>/<window>" where window is digits and a unit s, m, h or d
// ("5/1h", "10/15m", "100/30s"), or "off". Returns {count, window seconds}; "off" is {0, 0}.
// The count is 1..1000000 and the window 1 s..7 d; nullopt for anything else.
std::optional<std::pair<int, int>> parse_rate(std::string_view text);

// The canonical text of a rate parse_rate() accepts: {5, 3600} -> "5/1h", {0, 0} -> "off".
std::string format_rate(int count, int window_s);

}  // namespace moodgate::config
