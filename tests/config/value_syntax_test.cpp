// Specification of the text forms of config values.
#include <catch2/catch.hpp>

#include "core/config/value_syntax.h"

namespace moodgate::config {

TEST_CASE("Integers are plain decimal numbers", "[config]") {
  CHECK(parse_integer("8080") == 8080);
  CHECK(parse_integer("-1") == -1);
  CHECK(parse_integer("0") == 0);
  for (const char* bad :
       {"", "-", "+1", " 1", "1 ", "1.0", "0x10", "1e3", "99999999999999999999"}) {
    INFO(bad);
    CHECK_FALSE(parse_integer(bad).has_value());
  }
}

TEST_CASE("Decimal numbers are read as std::stod reads them, the whole text used", "[config]") {
  CHECK(parse_decimal("0.30") == 0.30);
  CHECK(parse_decimal("2.5") == 2.5);
  CHECK(parse_decimal("0") == 0);
  CHECK(parse_decimal("1e3") == 1000);
  CHECK(parse_decimal("-1") == -1);
  CHECK(parse_decimal(" 2") == 2);  // kept from the reading prices always had
  for (const char* bad : {"", " ", "cheap", "1.5usd", "1 ", "1,5", "1e999"}) {
    INFO(bad);
    CHECK_FALSE(parse_decimal(bad).has_value());
  }
}

TEST_CASE("Byte sizes are integers or <n>KiB / <n>MiB", "[config]") {
  CHECK(parse_byte_size("16384") == 16384u);
  CHECK(parse_byte_size("512KiB") == 512u * 1024);
  CHECK(parse_byte_size("1MiB") == 1024u * 1024);
  for (const char* bad : {"", "KiB", "1 KiB", "1kib", "1KB", "1MB", "1GiB", "-1", "1.5MiB",
                          "99999999999999999999MiB"}) {
    INFO(bad);
    CHECK_FALSE(parse_byte_size(bad).has_value());
  }
  CHECK(format_byte_size(1024 * 1024) == "1MiB");
  CHECK(format_byte_size(16 * 1024) == "16KiB");
  CHECK(format_byte_size(1536) == "1536");
  CHECK(format_byte_size(0) == "0");
}

TEST_CASE("CORS origins are \"*\" or lower-case scheme://host[:port]", "[config]") {
  for (const char* good :
       {"*", "https://app.example.com", "http://localhost:5173", "capacitor://localhost",
        "http://127.0.0.1:8080", "http://[::1]:3000", "http://[::1]"}) {
    INFO(good);
    CHECK(is_cors_origin(good));
  }
  for (const char* bad :
       {"", "**", "example.com", "https://", "https://example.com/", "https://example.com/path",
        "https://Example.com", "HTTPS://a.com", "https://a.com:0", "https://a.com:65536",
        "https://a.com:", "https://a b", "https://[nope]", "https://.a.com"}) {
    INFO(bad);
    CHECK_FALSE(is_cors_origin(bad));
  }
}

TEST_CASE("Trusted proxies are IP addresses or CIDR ranges", "[config]") {
  for (const char* good : {"127.0.0.1", "10.0.0.0/8", "0.0.0.0/0", "::1", "fd00::/8", "::/128"}) {
    INFO(good);
    CHECK(is_ip_or_cidr(good));
  }
  for (const char* bad : {"", "localhost", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0/8",
                          "10.0.0.1/-1", "10.0.0.1/8/8", "1.2.3.4 "}) {
    INFO(bad);
    CHECK_FALSE(is_ip_or_cidr(bad));
  }
}

TEST_CASE(
    "Database URLs are sqlite:/// or postgresql:// (or postgres://) with more after the scheme",
    "[config]") {
  CHECK(is_database_url("sqlite:///var/moodgate.db"));
  CHECK(is_database_url("sqlite:////abs/moodgate.db"));
  CHECK(is_database_url("postgresql://app:pw@db:5432/moodgate"));
  CHECK(is_database_url("postgres://app@db/moodgate"));
  for (const char* bad : {"", "sqlite:///", "sqlite://host/x.db", "postgresql://", "postgres://",
                          "mysql://db/x", "var/moodgate.db"}) {
    INFO(bad);
    CHECK_FALSE(is_database_url(bad));
  }
}

TEST_CASE("Rates are <count>/<window> with a unit, or off", "[config]") {
  using Rate = std::pair<int, int>;
  CHECK(parse_rate("5/1h") == Rate{5, 3600});
  CHECK(parse_rate("10/15m") == Rate{10, 900});
  CHECK(parse_rate("100/30s") == Rate{100, 30});
  CHECK(parse_rate("1/7d") == Rate{1, 7 * 86400});
  CHECK(parse_rate("off") == Rate{0, 0});
  for (const char* bad : {"", "5", "5/", "/1h", "5/h", "5/1", "5/1w", "0/1h", "-1/1h", "5/0s",
                          "5/8d", "5/169h", "1000001/1h", "5 /1h", "5/1 h", "Off", "five/1h"}) {
    INFO(bad);
    CHECK_FALSE(parse_rate(bad).has_value());
  }
  CHECK(format_rate(5, 3600) == "5/1h");
  CHECK(format_rate(10, 900) == "10/15m");
  CHECK(format_rate(3, 90) == "3/90s");
  CHECK(format_rate(2, 2 * 86400) == "2/2d");
  CHECK(format_rate(0, 0) == "off");
}

TEST_CASE("Spend caps are <usd>/<window> in exact micro-USD, or off", "[config]") {
  using Spend = std::pair<long long, int>;
  CHECK(parse_spend("2.00/1d") == Spend{2'000'000, 86400});
  CHECK(parse_spend("2/1d") == Spend{2'000'000, 86400});
  CHECK(parse_spend("0.5/12h") == Spend{500'000, 12 * 3600});
  CHECK(parse_spend("0.000001/30s") == Spend{1, 30});
  CHECK(parse_spend("19.99/7d") == Spend{19'990'000, 7 * 86400});
  CHECK(parse_spend("1000000/1d") == Spend{1'000'000'000'000, 86400});
  CHECK(parse_spend("off") == Spend{0, 0});
  for (const char* bad : {"",
                          "2",
                          "2.00",
                          "2.00/",
                          "/1d",
                          "2.00/d",
                          "2.00/1w",
                          "2.00/8d",
                          "0/1d",
                          "0.00/1d",
                          "0.0000001/1d",
                          "-1/1d",
                          "+1/1d",
                          "1e2/1d",
                          "2./1d",
                          ".5/1d",
                          "2.00 /1d",
                          "$2/1d",
                          "1000000.000001/1d",
                          "9999999999999/1d",
                          "inf/1d",
                          "nan/1d",
                          "0x10/1d",
                          "Off"}) {
    INFO(bad);
    CHECK_FALSE(parse_spend(bad).has_value());
  }
  CHECK(format_spend(2'000'000, 86400) == "2.00/1d");
  CHECK(format_spend(2'500, 3600) == "0.0025/1h");
  CHECK(format_spend(19'990'000, 7 * 86400) == "19.99/7d");
  CHECK(format_spend(0, 0) == "off");
  CHECK(format_usd(0) == "0.00");
  CHECK(format_usd(1) == "0.000001");
  CHECK(format_usd(12'300) == "0.0123");
  CHECK(format_usd(1'234'500'000) == "1234.50");
}

TEST_CASE("A spend cap's canonical text reads back as the same cap", "[config]") {
  for (const char* text : {"2.00/1d", "0.0025/1h", "19.99/7d", "0.000001/90s", "1000000.00/1m"}) {
    INFO(text);
    const auto spend = parse_spend(text);
    REQUIRE(spend.has_value());
    CHECK(format_spend(spend->first, spend->second) == text);
  }
}

}  // namespace moodgate::config
