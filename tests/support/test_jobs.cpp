#include "tests/support/test_jobs.h"

#include <soci/soci.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "tests/support/test_entries.h"

namespace moodgate::testing {

using Repo = store::VisualizationsRepository;
using namespace std::chrono_literals;

TestJobs::TestJobs(const std::string& backend) : test_db(make_test_database(backend)) {
  db = open_migrated(test_db, 6);
  create_test_user(*db, "u1");
  entry = create_test_entry(*db, "u1");
}

std::string TestJobs::queue(const std::string& aspect_ratio) {
  auto queued = db->transaction("test.queue", [&](soci::session& sql) {
    return Repo(sql).insert_for_entry("u1", entry, "watercolor", aspect_ratio);
  });
  REQUIRE(queued.ok());
  REQUIRE(queued->has_value());
  return (*queued)->id;
}

store::VisualizationRow TestJobs::row(const std::string& id) {
  auto found = db->run("test.find", [&](soci::session& sql) { return Repo(sql).find("u1", id); });
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  return **found;
}

store::VisualizationRow TestJobs::settled(const std::string& id) {
  for (auto until = std::chrono::steady_clock::now() + 20s;
       std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(10ms)) {
    auto r = row(id);
    if (r.status == store::VisualizationStatus::kSucceeded ||
        r.status == store::VisualizationStatus::kFailed) {
      return r;
    }
  }
  FAIL("job " << id << " did not finish in time: " << store::to_string(row(id).status));
  return {};
}

}  // namespace moodgate::testing
