// The pending promise across a crash: a `moodgate` process asks a Gemini that never answers
// for a new entry's analysis and is SIGKILLed while it waits. The entry stays `pending` only
// until its bound (request_timeout_ms + analysis_lease_margin_ms after it was written); the
// restarted process then marks it failed (INTERRUPTED) within a sweep interval, and asking
// again gets a real analysis. On SQLite and on PostgreSQL.
#include <signal.h>
#include <soci/soci.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "core/common/time_format.h"
#include "core/store/entries_repository.h"
#include "tests/support/api_client.h"
#include "tests/support/entries_client.h"
#include "tests/support/fake_gemini.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate;
using namespace moodgate::testing;
using namespace std::chrono_literals;

namespace {

constexpr int kRequestTimeoutMs = 6000;
constexpr int kLeaseMarginMs = 1000;
constexpr int kSweepIntervalMs = 200;

// A server on `url` whose text chains are a gemini instance talking to `fake`, with short
// request deadlines, a short analysis bound and a fast sweep.
std::string server_config(const std::string& url, const FakeGemini& fake) {
  return gemini_gateway_yaml(url, fake, kRequestTimeoutMs,
                             "journal:\n  analysis_lease_margin_ms: " +
                                 std::to_string(kLeaseMarginMs) +
                                 "\n  analysis_sweep_interval_ms: " +
                                 std::to_string(kSweepIntervalMs) + "\n");
}

// The user's only entry as stored, once there is one (waits up to 10 s).
std::optional<store::EntryRow> stored_entry(store::Database& db, const std::string& user_id) {
  for (auto until = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(20ms)) {
    auto rows = db.run("test.entries", [&](soci::session& sql) {
      return store::EntriesRepository(sql).list(user_id, {}, 10, std::nullopt);
    });
    REQUIRE(rows.ok());
    if (!rows->empty()) return rows->front();
  }
  return std::nullopt;
}

WallClock::time_point time_of(const std::string& text) {
  const auto t = parse_rfc3339_ms(text);
  REQUIRE(t.has_value());
  return *t;
}

}  // namespace

TEST_CASE("an analysis whose process is SIGKILLed is failed INTERRUPTED by the next one in time",
          "[api][entries][analysis][kill]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto shared = make_test_database(backend);
  auto db = open_migrated(shared, 2);
  TempDir dir;
  FakeGemini fake;
  FakeGeminiReply silence;
  silence.hang = true;
  fake.set_fallback([silence](const FakeGeminiRequest&) { return silence; });
  const std::string config_path = dir.write("moodgate.yaml", server_config(shared.url(), fake));

  auto a =
      std::make_unique<ServerProcess>(std::vector<std::string>{"--config", config_path, "serve"});
  const auto a_port = a->wait_for_port();
  INFO(a->stderr_text().substr(0, 4000));
  REQUIRE(a_port != 0);
  const Account user = register_account(a_port, "interrupted@example.com");

  // POST /entries waits for the providers; it never gets its answer.
  HttpReply lost;
  std::thread client([&] {
    lost = http_request(
        a_port, "POST", "/api/v1/entries", entry_body("The train was cancelled"),
        {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + user.access_token}},
        30s);
  });
  const auto entry = stored_entry(*db, user.id);
  REQUIRE(entry.has_value());
  for (int i = 0; i < 500 && fake.request_count() < 2; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(fake.request_count() == 2);  // the analysis and the scenarios are both in flight
  CHECK(entry->analysis.status == store::AnalysisStatus::kPending);
  REQUIRE_FALSE(entry->analysis.pending_until.empty());
  const auto written = time_of(entry->created_at);
  const auto bound = time_of(entry->analysis.pending_until);
  CHECK(bound - written == std::chrono::milliseconds(kRequestTimeoutMs + kLeaseMarginMs));

  a->signal(SIGKILL);
  CHECK(a->wait_exit(10s) == 128 + SIGKILL);
  client.join();
  CHECK(lost.status == 0);
  a.reset();

  // The restarted process: the entry is still pending until its bound, then failed.
  ServerProcess b({"--config", config_path, "serve"});
  const auto b_port = b.wait_for_port();
  INFO(b.stderr_text().substr(0, 4000));
  REQUIRE(b_port != 0);
  HttpReply reply = get_entry(b_port, user.access_token, entry->id);
  REQUIRE(reply.status == 200);
  if (WallClock::now() < bound - 1s) {  // the restart took less than the bound
    CHECK(text_of(reply.json()["analysis"], "status") == "pending");
  }
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (text_of(reply.json()["analysis"], "status") == "pending" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
    reply = get_entry(b_port, user.access_token, entry->id);
    REQUIRE(reply.status == 200);
  }
  const auto seen_at = WallClock::now();
  INFO(reply.body);
  const auto failed = reply.json();
  const auto& analysis = failed["analysis"];
  CHECK(text_of(analysis, "status") == "failed");
  CHECK(text_of(analysis["error"], "code") == "INTERRUPTED");
  CHECK_THAT(text_of(analysis["error"], "message"), Catch::Contains("POST /entries/{id}/analysis"));
  // Failed after its bound, and within one sweep interval of it (plus slack for a busy machine).
  const auto failed_at = time_of(text_of(failed, "updated_at"));
  CHECK(failed_at >= bound);
  CHECK(failed_at <= bound + std::chrono::milliseconds(kSweepIntervalMs) + 3s);
  CHECK(seen_at - written <
        std::chrono::milliseconds(kRequestTimeoutMs + kLeaseMarginMs + kSweepIntervalMs) + 5s);
  CHECK(b.wait_for_log("INTERRUPTED", 5s));

  // Asking again, with a provider that answers now, gives the entry its analysis.
  route_replies(fake, text_reply(fitting_analysis_json()), text_reply(fitting_scenarios_json(3)));
  reply =
      api_call(b_port, "POST", "/api/v1/entries/" + entry->id + "/analysis", "", user.access_token);
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  CHECK(text_of(reply.json()["analysis"], "status") == "ready");
  b.signal(SIGTERM);
  CHECK(b.wait_exit(15s) == 0);
}
