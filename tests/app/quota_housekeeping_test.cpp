// The gateway refunds quota reservations whose instance died: its housekeeping sweeps them at
// start and then every tenth of quotas.reservation_ttl_s.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "core/common/time_format.h"
#include "tests/store/quota_test_support.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate::testing;

TEST_CASE("A started gateway refunds the reservations a dead instance left past their TTL",
          "[app][quota]") {
  SqliteServerFixture f;
  auto db = open_migrated(f.db);
  create_test_user(*db, "u-1");
  Ask ask = asking("5/1d", "off");
  ask.ttl = 1;
  ask.now = moodgate::unix_now() - 10;  // expired nine seconds ago
  REQUIRE(reserve(*db, ask).granted());
  ask.now = moodgate::unix_now();
  ask.ttl = 3600;  // still held by a live instance
  REQUIRE(reserve(*db, ask).granted());
  REQUIRE(count_rows(*db, "quota_reservations") == 2);

  TestServer server(f.config);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (count_rows(*db, "quota_reservations") > 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(count_rows(*db, "quota_reservations") == 1);
  const auto seen = usage(*db, "u-1", analysis_limits("5/1d", "off"), moodgate::unix_now());
  CHECK(seen.calls.at(moodgate::config::Capability::kAnalysis).used == 1);
}
