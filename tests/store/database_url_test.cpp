#include "core/store/database_url.h"

#include <catch2/catch.hpp>

using moodgate::ErrorCode;
using moodgate::store::Backend;
using moodgate::store::build_postgres_connect_string;
using moodgate::store::parse_database_url;
using moodgate::store::percent_decode;

namespace {

std::string connect_string(const std::string& url) {
  auto parsed = parse_database_url(url);
  INFO(url);
  REQUIRE(parsed.ok());
  return parsed->connect_string;
}

std::string error_of(const std::string& url) {
  auto parsed = parse_database_url(url);
  INFO(url);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error().code == ErrorCode::kInvalidInput);
  return parsed.error().message;
}

constexpr const char* kPgTail =
    "options=\"'-c TimeZone=UTC -c client_min_messages=warning'\" client_encoding=UTF8 "
    "fallback_application_name=moodgate connect_timeout=5";

}  // namespace

TEST_CASE("a sqlite URL with three slashes names a relative path", "[store][url]") {
  auto parsed = parse_database_url("sqlite:///var/moodgate.db", {2500, 5});
  REQUIRE(parsed.ok());
  CHECK(parsed->backend == Backend::kSqlite);
  CHECK(parsed->sqlite_path == "var/moodgate.db");
  CHECK(parsed->connect_string == "db=var/moodgate.db timeout=3");
  CHECK(parsed->display == "sqlite:///var/moodgate.db");
}

TEST_CASE("a sqlite URL with four slashes names an absolute path", "[store][url]") {
  auto parsed = parse_database_url("sqlite:////srv/data/moodgate.db");
  REQUIRE(parsed.ok());
  CHECK(parsed->sqlite_path == "/srv/data/moodgate.db");
  CHECK(parsed->connect_string == "db=/srv/data/moodgate.db timeout=5");
}

TEST_CASE("a sqlite path is percent-decoded and quoted when it has spaces", "[store][url]") {
  auto parsed = parse_database_url("sqlite:////tmp/my%20data/mood%3Fgate.db");
  REQUIRE(parsed.ok());
  CHECK(parsed->sqlite_path == "/tmp/my data/mood?gate.db");
  CHECK(parsed->connect_string == "db=\"/tmp/my data/mood?gate.db\" timeout=5");
}

TEST_CASE("bad sqlite URLs are refused with the reason", "[store][url]") {
  CHECK_THAT(error_of("sqlite://host/x.db"), Catch::Contains("no host"));
  CHECK_THAT(error_of("sqlite:///"), Catch::Contains("no database file"));
  CHECK_THAT(error_of("sqlite:///:memory:"), Catch::Contains("in-memory"));
  CHECK_THAT(error_of("sqlite:///data/"), Catch::Contains("directory"));
  CHECK_THAT(error_of("sqlite:///x.db?mode=ro"), Catch::Contains("no query"));
  CHECK_THAT(error_of("sqlite:///a%22b.db"), Catch::Contains("'\"'"));
  CHECK_THAT(error_of("sqlite:///a%2"), Catch::Contains("percent-encoding"));
  CHECK_THAT(error_of("sqlite:///a%00b"), Catch::Contains("NUL"));
  CHECK_THAT(error_of("sqlite:///%20x.db"), Catch::Contains("whitespace"));
}

TEST_CASE("a postgresql URL becomes a libpq key=value string", "[store][url]") {
  auto parsed = parse_database_url(
      "postgresql://moodgate:s3cret@db.internal:6543/moodgate?sslmode=require", {5000, 7});
  REQUIRE(parsed.ok());
  CHECK(parsed->backend == Backend::kPostgres);
  CHECK(parsed->connect_string ==
        "host=db.internal port=6543 dbname=moodgate user=moodgate password=s3cret "
        "sslmode=require options=\"'-c TimeZone=UTC -c client_min_messages=warning'\" "
        "client_encoding=UTF8 fallback_application_name=moodgate connect_timeout=7");
  CHECK(parsed->display == "postgresql://moodgate:***@db.internal:6543/moodgate?sslmode=require");
}

TEST_CASE("postgres:// is accepted as an alias and the port is optional", "[store][url]") {
  CHECK(connect_string("postgres://app@localhost/mood") ==
        std::string("host=localhost dbname=mood user=app ") + kPgTail);
  CHECK(connect_string("POSTGRESQL://app@localhost/mood").rfind("host=localhost", 0) == 0);
}

TEST_CASE("URL parts are percent-decoded and quoted for libpq and SOCI", "[store][url]") {
  // user "a@b", password "p a's\w:/" (space, quote, backslash, colon, slash), db "my db".
  const std::string cs = connect_string("postgresql://a%40b:p%20a%27s%5Cw%3A%2F@h:5432/my%20db");
  CHECK(cs == std::string("host=h port=5432 dbname=\"'my db'\" user=a@b "
                          "password=\"'p a\\'s\\\\w:/'\" ") +
                  kPgTail);
}

TEST_CASE("values are quoted so SOCI 4.0.3 passes them through unchanged", "[store][url]") {
  auto built = build_postgres_connect_string(
      {{"a", "plain"}, {"b", ""}, {"c", "it's"}, {"d", "x\"y"}, {"e", "two  spaces"}});
  REQUIRE(built.ok());
  CHECK(*built == "a=plain b='' c='it\\'s' d='x\"y' e=\"'two  spaces'\"");

  auto impossible = build_postgres_connect_string({{"password", "has space and \""}});
  REQUIRE_FALSE(impossible.ok());
  CHECK_THAT(impossible.error().message, Catch::Contains("password"));
  CHECK_THAT(impossible.error().message, !Catch::Contains("has space"));
}

TEST_CASE("URL query parameters must be libpq connection parameters", "[store][url]") {
  CHECK_THAT(
      connect_string("postgresql://u@h/d?application_name=my%20app&connect_timeout=2"),
      Catch::Contains("application_name=\"'my app'\"") && Catch::EndsWith("connect_timeout=2"));
  CHECK_THAT(connect_string("postgresql://u@h/d?options=-c%20statement_timeout%3D5s"),
             Catch::Contains("options=\"'-c TimeZone=UTC -c client_min_messages=warning "
                             "-c statement_timeout=5s'\""));
  CHECK_THAT(error_of("postgresql://u@h/d?sslmode=maybe"), Catch::Contains("sslmode"));
  CHECK_THAT(error_of("postgresql://u@h/d?colour=blue"),
             Catch::Contains("unknown parameter 'colour'"));
  CHECK_THAT(error_of("postgresql://u@h/d?sslmode"), Catch::Contains("has no value"));
  CHECK_THAT(error_of("postgresql://u@h/d?connect_timeout=soon"), Catch::Contains("whole number"));
}

TEST_CASE("IPv6, unix-socket and multi-host URLs are understood", "[store][url]") {
  CHECK_THAT(connect_string("postgresql://u@[::1]:5433/d"),
             Catch::StartsWith("host=::1 port=5433 dbname=d"));
  CHECK_THAT(connect_string("postgresql://u@%2Fvar%2Frun%2Fpostgresql/d"),
             Catch::StartsWith("host=/var/run/postgresql dbname=d"));
  CHECK_THAT(connect_string("postgresql://u@a:5433,b/d?target_session_attrs=read-write"),
             Catch::StartsWith("host=a,b port=5433,5432 dbname=d user=u "
                               "target_session_attrs=read-write"));
}

TEST_CASE("bad postgresql URLs are refused with the reason", "[store][url]") {
  CHECK_THAT(error_of("postgresql://u:p@h:99999/d"), Catch::Contains("port"));
  CHECK_THAT(error_of("postgresql://u:p@h:5432"), Catch::Contains("names no database"));
  CHECK_THAT(error_of("postgresql://u:p@h/a/b"), Catch::Contains("'/'"));
  CHECK_THAT(error_of("postgresql://u:p@[::1/d"), Catch::Contains("IPv6"));
  CHECK_THAT(error_of("mysql://u:p@h/d"), Catch::Contains("unsupported scheme 'mysql'"));
  CHECK_THAT(error_of("just-a-path.db"), Catch::Contains("must start with"));
  CHECK_THAT(error_of("   "), Catch::Contains("empty"));
  CHECK_THAT(error_of("postgresql://u:p#w@h/d"), Catch::Contains("'#'"));
}

TEST_CASE("a password never appears in an error message or the display URL", "[store][url]") {
  const std::string secret = "Zq9SecretPw";
  const std::vector<std::string> urls = {
      "postgresql://u:" + secret + "@h:notaport/d",
      "postgresql://u:" + secret + "%zz@h/d",
      "postgresql://u:" + secret + "@h/d?colour=1",
      "postgresql://u:" + secret + "@h:5432",
      "postgresql://u:" + secret + "#@h/d",
      "postgresql://u:" + secret + "/x@h/d",
      "postgresql://u:" + secret + "%20%22@h/d",
      "postgresql://u@h/d?password=" + secret + "&sslmode=bad",
      "postgresql://u@h/d?password=" + secret + "%20%22",
      "mys" + secret + "ql:" + secret + "://u:" + secret + "@h/d",
      "u:" + secret + "@h/d",
  };
  for (const auto& url : urls) {
    auto parsed = parse_database_url(url);
    INFO(url);
    REQUIRE_FALSE(parsed.ok());
    CHECK_THAT(parsed.error().message, !Catch::Contains(secret));
  }
  auto ok = parse_database_url("postgresql://u:" + secret + "@h/d?sslpassword=" + secret);
  REQUIRE(ok.ok());
  CHECK_THAT(ok->display, !Catch::Contains(secret));
  CHECK(ok->display == "postgresql://u:***@h/d?sslpassword=***");
}

TEST_CASE("percent_decode decodes escapes and rejects malformed ones", "[store][url]") {
  CHECK(*percent_decode("a%2Fb%2fc+d", "x") == "a/b/c+d");
  CHECK_FALSE(percent_decode("%G0", "x").ok());
  CHECK_FALSE(percent_decode("abc%", "x").ok());
}
