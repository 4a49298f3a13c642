// Specification of redact_url(): passwords never reach a log line.
#include <catch2/catch.hpp>

#include "core/config/redact.h"

namespace moodgate::config {

TEST_CASE("redact_url masks the password of a URL's user info", "[config]") {
  CHECK(redact_url("postgresql://app:s3cret@db:5432/moodgate") ==
        "postgresql://app:***@db:5432/moodgate");
  CHECK(redact_url("postgresql://app:s3cret@db/moodgate?sslmode=require") ==
        "postgresql://app:***@db/moodgate?sslmode=require");
  CHECK(redact_url("postgresql://app:@db/moodgate") == "postgresql://app:***@db/moodgate");
}

TEST_CASE("redact_url masks a password holding '@', ':' or '/' in full", "[config]") {
  CHECK(redact_url("postgresql://app:p@ss:w/rd@db:5432/moodgate") ==
        "postgresql://app:***@db:5432/moodgate");
}

TEST_CASE("redact_url masks password= parameters, in a query or libpq key=value form", "[config]") {
  CHECK(redact_url("postgresql://db/moodgate?user=app&password=s3cret&sslmode=require") ==
        "postgresql://db/moodgate?user=app&password=***&sslmode=require");
  CHECK(redact_url("postgresql://db/moodgate?PASSWORD=s3cret") ==
        "postgresql://db/moodgate?PASSWORD=***");
  CHECK(redact_url("host=db user=app password=s3cret dbname=moodgate") ==
        "host=db user=app password=*** dbname=moodgate");
  CHECK(redact_url("host=db password='s3 cret' dbname=x") == "host=db password=*** dbname=x");
}

TEST_CASE("redact_url leaves URLs without a password unchanged", "[config]") {
  CHECK(redact_url("sqlite:///var/moodgate.db") == "sqlite:///var/moodgate.db");
  CHECK(redact_url("postgresql://app@db:5432/moodgate") == "postgresql://app@db:5432/moodgate");
  CHECK(redact_url("postgresql://db/x?application_name=a@b") ==
        "postgresql://db/x?application_name=a@b");
  CHECK(redact_url("postgresql://db/x?not_password=1") == "postgresql://db/x?not_password=1");
  CHECK(redact_url("") == "");
}

}  // namespace moodgate::config
