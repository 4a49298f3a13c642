// Image jobs for the worker tests: a migrated database with user "u1" and an entry of theirs;
// queue a job for it, read it back, wait until it settles. Each helper fails the test on error.
#pragma once

#include <memory>
#include <string>

#include "core/store/database.h"
#include "core/store/visualizations_repository.h"
#include "tests/support/test_databases.h"

namespace moodgate::testing {

struct TestJobs {
  // A fresh database on `backend` ("sqlite" or "postgresql").
  explicit TestJobs(const std::string& backend);

  // Queues a watercolor job for the entry; returns its id.
  std::string queue(const std::string& aspect_ratio = "1:1");
  // The job as stored now.
  store::VisualizationRow row(const std::string& id);
  // The job once it succeeded or failed; fails the test after 20 s.
  store::VisualizationRow settled(const std::string& id);

  TestDatabase test_db;
  std::unique_ptr<store::Database> db;
  std::string entry;
};

}  // namespace moodgate::testing
