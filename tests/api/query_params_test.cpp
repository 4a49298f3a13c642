// The list's query parameters as pure functions: limit (1..100, default 20), booleans, and
// from/to as a UTC date (a `to` date includes that whole day) or an RFC 3339 time with any
// offset and fraction, always given back as RFC 3339 UTC with milliseconds; anything else is
// kInvalidInput naming the parameter.
#include "core/api/query_params.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "core/common/time_format.h"

using moodgate::ErrorCode;
using moodgate::api::bool_param;
using moodgate::api::page_limit;
using moodgate::api::range_time;
using moodgate::api::RangeEnd;
using moodgate::api::time_param;
using moodgate::http::HttpRequest;
using namespace std::chrono_literals;

namespace {

HttpRequest with_query(std::map<std::string, std::string> query) {
  HttpRequest r;
  r.query = std::move(query);
  return r;
}

std::string field_of(const moodgate::Error& e) {
  for (const auto& [key, value] : e.details) {
    if (key == "field") return std::get<std::string>(value);
  }
  return "";
}

}  // namespace

TEST_CASE("limit is 20 by default and otherwise a whole number from 1 to 100", "[api][query]") {
  CHECK(*page_limit(with_query({})) == 20);
  CHECK(*page_limit(with_query({{"limit", "1"}})) == 1);
  CHECK(*page_limit(with_query({{"limit", "100"}})) == 100);
  for (const std::string bad :
       {"0", "101", "-1", "abc", "", "2.5", "1e2", " 5", "5 ", "+5", "99999999999999999999"}) {
    INFO("'" << bad << "'");
    const auto limit = page_limit(with_query({{"limit", bad}}));
    REQUIRE_FALSE(limit.ok());
    CHECK(limit.error().code == ErrorCode::kInvalidInput);
    CHECK(field_of(limit.error()) == "limit");
  }
}

TEST_CASE("a boolean parameter is true/1 or false/0, else refused naming it", "[api][query]") {
  CHECK(*bool_param(with_query({}), "analyze", true));
  CHECK_FALSE(*bool_param(with_query({}), "analyze", false));
  CHECK(*bool_param(with_query({{"analyze", "true"}}), "analyze", false));
  CHECK(*bool_param(with_query({{"analyze", "1"}}), "analyze", false));
  CHECK_FALSE(*bool_param(with_query({{"analyze", "false"}}), "analyze", true));
  CHECK_FALSE(*bool_param(with_query({{"analyze", "0"}}), "analyze", true));
  for (const std::string bad : {"maybe", "", "yes", "TRUE "}) {
    INFO("'" << bad << "'");
    const auto b = bool_param(with_query({{"analyze", bad}}), "analyze", true);
    REQUIRE_FALSE(b.ok());
    CHECK(field_of(b.error()) == "analyze");
  }
}

TEST_CASE("a date is a UTC day: from its start, to the start of the next", "[api][query]") {
  CHECK(*range_time("2026-11-22", RangeEnd::kFrom, "from") == "2026-11-22T00:00:00.000Z");
  CHECK(*range_time("2026-11-22", RangeEnd::kTo, "to") == "2026-11-23T00:00:00.000Z");
  CHECK(*range_time("2026-12-31", RangeEnd::kTo, "to") == "2027-01-01T00:00:00.000Z");
  CHECK(*range_time("2028-02-28", RangeEnd::kTo, "to") == "2028-02-29T00:00:00.000Z");
  CHECK(*range_time("2028-02-29", RangeEnd::kFrom, "from") == "2028-02-29T00:00:00.000Z");
}

TEST_CASE("a timestamp's offset and fraction are taken into account", "[api][query]") {
  CHECK(*range_time("2026-11-22T09:15:02Z", RangeEnd::kFrom, "from") == "2026-11-22T09:15:02.000Z");
  CHECK(*range_time("2026-11-22T09:15:02.123Z", RangeEnd::kTo, "to") == "2026-11-22T09:15:02.123Z");
  CHECK(*range_time("2026-11-22T09:15:02.1z", RangeEnd::kFrom, "from") ==
        "2026-11-22T09:15:02.100Z");
  CHECK(*range_time("2026-11-22T09:15:02.123456Z", RangeEnd::kFrom, "from") ==
        "2026-11-22T09:15:02.123Z");
  CHECK(*range_time("2026-11-22T11:15:02+02:00", RangeEnd::kFrom, "from") ==
        "2026-11-22T09:15:02.000Z");
  CHECK(*range_time("2026-11-21T23:45:02.5-09:30", RangeEnd::kTo, "to") ==
        "2026-11-22T09:15:02.500Z");
  CHECK(*range_time("2026-11-22t09:15:02+00:00", RangeEnd::kFrom, "from") ==
        "2026-11-22T09:15:02.000Z");
  // Far-future ends (up to 9999) stay after every time the server can write, rather than
  // wrapping around into the past.
  const std::string later = moodgate::format_rfc3339_ms(moodgate::WallClock::now() + 200 * 8766h);
  for (const std::string far :
       {"2263-01-01", "3000-01-01", "9999-12-31", "9999-12-31T23:30:00-05:00"}) {
    INFO(far);
    const auto t = range_time(far, RangeEnd::kTo, "to");
    CHECK(moodgate::parse_rfc3339_ms(*t).has_value());
    CHECK(*t > later);
  }
  CHECK(*range_time("1970-01-01T00:30:00+01:00", RangeEnd::kFrom, "from") ==
        "1969-12-31T23:30:00.000Z");
  // A timestamp is the same instant whichever end it names.
  CHECK(*range_time("2026-11-22T00:00:00Z", RangeEnd::kTo, "to") == "2026-11-22T00:00:00.000Z");
}

TEST_CASE("malformed times are refused naming the parameter", "[api][query]") {
  for (const std::string bad : {"2026-13-01",
                                "2026-02-30",
                                "2027-02-29",
                                "2026-00-10",
                                "2026-11-00",
                                "yesterday",
                                "",
                                "2026-11-2",
                                "2026/11/22",
                                "20261122",
                                "1969-12-31",
                                "2026-11-22T",
                                "2026-11-22T09:15Z",
                                "2026-11-22T09:15:02",
                                "2026-11-22T24:00:00Z",
                                "2026-11-22T09:60:00Z",
                                "2026-11-22T09:15:60Z",
                                "2026-11-22 09:15:02Z",
                                "2026-11-22T09:15:02.Z",
                                "2026-11-22T09:15:02+2:00",
                                "2026-11-22T09:15:02+02",
                                "2026-11-22T09:15:02+24:00",
                                "2026-11-22T09:15:02Zjunk",
                                "2026-11-22junk"}) {
    INFO("'" << bad << "'");
    const auto t = range_time(bad, RangeEnd::kFrom, "from");
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().code == ErrorCode::kInvalidInput);
    CHECK(field_of(t.error()) == "from");
  }
  CHECK_FALSE(time_param(with_query({}), "to", RangeEnd::kTo)->has_value());
  const auto to = time_param(with_query({{"to", "2026-11-22"}}), "to", RangeEnd::kTo);
  CHECK(**to == "2026-11-23T00:00:00.000Z");
  const auto bad = time_param(with_query({{"to", "soon"}}), "to", RangeEnd::kTo);
  REQUIRE_FALSE(bad.ok());
  CHECK(field_of(bad.error()) == "to");
}
