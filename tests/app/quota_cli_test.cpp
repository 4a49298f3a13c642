// `moodgate quota set|show|clear`, run as the real binary against a real database (both
// backends): overrides an operator sets reach the database the gateway reads, `show` reports the
// effective limits and what is used of them, and mistakes are refused with the usage (exit 2) or
// a reason (exit 1).
#include <soci/soci.h>

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/common/time_format.h"
#include "core/store/quota_repository.h"
#include "tests/store/quota_test_support.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate::testing;

namespace {

// A migrated database with the user ana@example.com, and a config file naming it.
struct QuotaCli {
  explicit QuotaCli(const std::string& backend) : test_db(make_test_database(backend)) {
    db = open_migrated(test_db);
    create_test_user(*db, "ana");
    config = dir.write("q.yaml", "database:\n  url: \"" + test_db.url() + "\"\n");
  }
  std::pair<int, std::string> run(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--config", config, "quota"});
    return run_moodgate(args);
  }
  TempDir dir;
  TestDatabase test_db;
  std::unique_ptr<moodgate::store::Database> db;
  std::string config;
};

// The line of `quota show` output about `scope`, squeezed to single spaces ("" when none).
std::string line_of(const std::string& out, const std::string& scope) {
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string word;
    std::string squeezed;
    while (words >> word) squeezed += (squeezed.empty() ? "" : " ") + word;
    if (squeezed.rfind(scope + " ", 0) == 0) return squeezed;
  }
  return "";
}

}  // namespace

TEST_CASE("quota set stores an override that show reports and the database holds", "[cli][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  QuotaCli cli(backend);

  auto [code, out] = cli.run({"set", "Ana@Example.com", "image", "100/24h"});
  INFO(out);
  CHECK(code == 0);
  CHECK(out.find("ana@example.com: image set to 100/1d (override)") != std::string::npos);
  std::tie(code, out) = cli.run({"set", "ana@example.com", "spend_usd", "5/1d"});
  CHECK(code == 0);
  std::tie(code, out) = cli.run({"set", "ana@example.com", "summary", "off"});
  CHECK(code == 0);

  auto stored = cli.db->run("test.quota.overrides", [](soci::session& sql) {
    return moodgate::store::QuotaRepository(sql).overrides("ana");
  });
  REQUIRE(stored.ok());
  REQUIRE(stored->size() == 3);
  CHECK((*stored)[0].scope == "image");
  CHECK((*stored)[0].limit == "100/1d");
  CHECK((*stored)[1].limit == "5.00/1d");
  CHECK((*stored)[2].limit == "off");

  // Three pictures used today show up against the new limit.
  Ask ask;
  ask.user = "ana";
  ask.capability = moodgate::config::Capability::kImage;
  ask.calls = calls_limit("100/1d");
  ask.spend = spend_cap("5.00/1d");
  ask.estimate = 40'000;
  ask.now = moodgate::unix_now();
  for (int i = 0; i < 3; ++i) REQUIRE(reserve(*cli.db, ask).granted());

  std::tie(code, out) = cli.run({"show", "ana@example.com"});
  INFO(out);
  CHECK(code == 0);
  CHECK_THAT(line_of(out, "image"), Catch::StartsWith("image 100/1d override 3 97 "));
  CHECK(line_of(out, "analysis").rfind("analysis 200/1d default 0 200 ", 0) == 0);
  CHECK(line_of(out, "summary") == "summary off override - - -");
  CHECK(line_of(out, "spend_usd").rfind("spend_usd 5.00/1d override 0.12 4.88 ", 0) == 0);
}

TEST_CASE("quota clear puts one override, or all of them, back to the default", "[cli][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  QuotaCli cli(backend);
  REQUIRE(cli.run({"set", "ana@example.com", "image", "100/1d"}).first == 0);
  REQUIRE(cli.run({"set", "ana@example.com", "analysis", "5/1h"}).first == 0);

  auto [code, out] = cli.run({"clear", "ana@example.com", "image"});
  INFO(out);
  CHECK(code == 0);
  CHECK(out.find("ana@example.com: image override cleared") != std::string::npos);
  std::tie(code, out) = cli.run({"clear", "ana@example.com", "image"});
  CHECK(code == 0);
  CHECK(out.find("ana@example.com: image had no override") != std::string::npos);
  std::tie(code, out) = cli.run({"show", "ana@example.com"});
  CHECK(line_of(out, "image").rfind("image 20/1d default ", 0) == 0);
  CHECK(line_of(out, "analysis").rfind("analysis 5/1h override ", 0) == 0);

  std::tie(code, out) = cli.run({"clear", "ana@example.com"});
  CHECK(code == 0);
  CHECK(out.find("ana@example.com: 1 override(s) cleared") != std::string::npos);
  std::tie(code, out) = cli.run({"show", "ana@example.com"});
  CHECK(line_of(out, "analysis").rfind("analysis 200/1d default ", 0) == 0);
}

TEST_CASE("quota refuses malformed arguments with the usage and exit code 2", "[cli][quota]") {
  // Refused while the command line is read: no config file or database is needed.
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"quota"}, "quota needs an action: set, show or clear"},
      {{"quota", "grant", "ana@example.com"}, "unknown quota action \"grant\""},
      {{"quota", "set", "ana@example.com", "image"}, "quota set needs EMAIL CAPABILITY LIMIT"},
      {{"quota", "show"}, "quota show needs EMAIL"},
      {{"quota", "clear", "ana@example.com", "image", "extra"}, "quota clear needs EMAIL"},
      {{"quota", "show", "not-an-email"}, "\"not-an-email\" is not an email address"},
      {{"quota", "set", "ana@example.com", "video", "1/1d"},
       "unknown quota CAPABILITY \"video\" (analysis, scenarios, summary, image or spend_usd)"},
      {{"quota", "set", "ana@example.com", "image", "100/1w"},
       "LIMIT for image must be <count>/<window>"},
      {{"quota", "set", "ana@example.com", "spend_usd", "100"},
       "LIMIT for spend_usd must be <usd>/<window>"},
  };
  for (const auto& [args, message] : cases) {
    INFO(args.size() << " arguments, expecting: " << message);
    const auto [code, out] = run_moodgate(args);
    CHECK(code == 2);
    CHECK(out.find(message) != std::string::npos);
    CHECK(out.find("Usage:") != std::string::npos);
  }
}

TEST_CASE("quota for an email no account has exits 1 and says so", "[cli][quota]") {
  QuotaCli cli("sqlite");
  const auto [code, out] = cli.run({"set", "nobody@example.com", "image", "1/1d"});
  CHECK(code == 1);
  CHECK(out.find("moodgate quota: no user with the email nobody@example.com") != std::string::npos);
  CHECK(count_rows(*cli.db, "quota_overrides") == 0);
}

TEST_CASE("check-config shows quota problems, one line each, and exits 1", "[cli][config][quota]") {
  TempDir dir;
  const std::string path = dir.write("bad.yaml",
                                     "quotas:\n  per_user:\n    image: lots\n    spend_usd: 2/1w\n"
                                     "  reservation_ttl_s: 60\n");
  const auto [code, out] = run_moodgate({"--config", path, "check-config"});
  INFO(out);
  CHECK(code == 1);
  CHECK(out.find(path + ": quotas.per_user.image: expected <count>/<window>") != std::string::npos);
  CHECK(out.find(path + ": quotas.per_user.spend_usd: expected <usd>/<window>") !=
        std::string::npos);
  CHECK(out.find(path + ": quotas.reservation_ttl_s: must be longer than "
                        "server.request_timeout_ms (120000 ms)") != std::string::npos);
}
