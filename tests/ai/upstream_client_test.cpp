// The async upstream client against real servers on loopback: FakeGemini for the usual
// exchanges, and a one-shot raw socket server for replies FakeGemini cannot produce.
#include "core/ai/upstream_client.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/fake_gemini.h"
#include "tests/support/ports.h"

using moodgate::ai::UpstreamClient;
using moodgate::ai::UpstreamClientOptions;
using moodgate::ai::UpstreamFailure;
using moodgate::ai::UpstreamLimits;
using moodgate::ai::UpstreamOutcome;
using moodgate::sdk::FailureKind;
using moodgate::sdk::HttpReply;
using moodgate::sdk::HttpRequest;
using moodgate::testing::FakeGemini;
using moodgate::testing::FakeGeminiReply;
using moodgate::testing::free_loopback_port;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kBody = R"({"contents":[{"role":"user","parts":[{"text":"Hello"}]}]})";

HttpRequest generate_request(const FakeGemini& fake, const std::string& query = "") {
  HttpRequest request;
  request.method = "POST";
  request.url = fake.base_url() + "/v1beta/models/gemini-2.5-flash:generateContent" + query;
  request.headers = {{"Content-Type", "application/json"}, {"x-goog-api-key", "test-key"}};
  request.body = kBody;
  return request;
}

// Sends and waits (up to 10 s) for the outcome.
UpstreamOutcome call(UpstreamClient& client, HttpRequest request, UpstreamLimits limits = {}) {
  auto promise = std::make_shared<std::promise<UpstreamOutcome>>();
  auto future = promise->get_future();
  client.send(std::move(request), limits,
              [promise](UpstreamOutcome outcome) { promise->set_value(std::move(outcome)); });
  REQUIRE(future.wait_for(10s) == std::future_status::ready);
  return future.get();
}

// Copies, so that a temporary outcome may be passed.
HttpReply reply_of(const UpstreamOutcome& outcome) {
  if (const auto* failure = std::get_if<UpstreamFailure>(&outcome)) {
    FAIL("expected a reply, got a failure: " << failure->failure.message << " (" << failure->detail
                                             << ")");
  }
  return std::get<HttpReply>(outcome);
}

UpstreamFailure upstream_failure_of(const UpstreamOutcome& outcome) {
  if (const auto* reply = std::get_if<HttpReply>(&outcome)) {
    FAIL("expected a failure, got a reply with status " << reply->status);
  }
  return std::get<UpstreamFailure>(outcome);
}

// The part of the failure a client may see.
moodgate::sdk::Failure failure_of(const UpstreamOutcome& outcome) {
  return upstream_failure_of(outcome).failure;
}

// What only the log sees.
std::string detail_of(const UpstreamOutcome& outcome) {
  return upstream_failure_of(outcome).detail;
}

// Whether `phrase` is free of the host, the port and anything libcurl said.
void check_no_internals(const std::string& phrase, const std::string& port) {
  INFO(phrase);
  CHECK(phrase.find("127.0.0.1") == std::string::npos);
  CHECK(phrase.find(port) == std::string::npos);
  CHECK(phrase.find("http") == std::string::npos);
  CHECK(phrase.find("upstream") == std::string::npos);
}

std::string header(const HttpReply& reply, const std::string& name) {
  for (const auto& [n, v] : reply.headers) {
    if (n == name) return v;
  }
  return "";
}

int thread_count() {
  int n = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/self/task")) {
    ++n;
  }
  return n;
}

// Accepts one connection, reads a request head (requests sent to it have no body), writes
// `answer` as given and closes: for replies FakeGemini will not make (no Content-Length, an
// interim 100 Continue).
class OneShotServer {
 public:
  explicit OneShotServer(std::string answer)
      : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 8) == 0);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, answer = std::move(answer)] {
      const int conn = ::accept(fd_, nullptr, nullptr);
      if (conn < 0) return;
      std::string got;
      char buf[4096];
      while (got.find("\r\n\r\n") == std::string::npos) {
        const auto n = ::recv(conn, buf, sizeof buf, 0);
        if (n <= 0) break;
        got.append(buf, static_cast<std::size_t>(n));
      }
      for (std::size_t sent = 0; sent < answer.size();) {
        const auto n = ::send(conn, answer.data() + sent, answer.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
      }
      ::close(conn);
    });
  }
  ~OneShotServer() {
    ::shutdown(fd_, SHUT_RDWR);  // wakes a pending accept()
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/x"; }

 private:
  int fd_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

HttpRequest get(const std::string& url) {
  HttpRequest request;
  request.method = "GET";
  request.url = url;
  return request;
}

}  // namespace

TEST_CASE("a POST reaches the server with its headers and body, and the reply comes back whole",
          "[ai][upstream]") {
  FakeGemini fake;
  FakeGeminiReply scripted;
  scripted.status = 200;
  scripted.headers = {{"Content-Type", "application/json"}, {"X-Custom-Thing", "Value 1"}};
  scripted.body = R"({"ok":true})";
  fake.enqueue(scripted);
  UpstreamClient client;

  const auto outcome = call(client, generate_request(fake));

  const auto& reply = reply_of(outcome);
  CHECK(reply.status == 200);
  CHECK(reply.body == R"({"ok":true})");
  CHECK(header(reply, "x-custom-thing") == "Value 1");
  CHECK(header(reply, "content-type") == "application/json");
  CHECK(header(reply, "content-length") == "11");
  for (const auto& [name, value] : reply.headers) {
    INFO(name);
    CHECK(std::none_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
  }
  REQUIRE(fake.request_count() == 1);
  const auto sent = fake.requests().front();
  CHECK(sent.method == "POST");
  CHECK(sent.path == "/v1beta/models/gemini-2.5-flash:generateContent");
  CHECK(sent.headers.at("x-goog-api-key") == "test-key");
  CHECK(sent.headers.at("content-type") == "application/json");
  CHECK(sent.headers.count("expect") == 0);
  CHECK(sent.body == kBody);
  CHECK(client.in_flight() == 0);
}

TEST_CASE("an upstream 503 is a reply, not a failure", "[ai][upstream]") {
  FakeGemini fake;
  fake.enqueue(moodgate::testing::error_reply(503, "UNAVAILABLE", "The model is overloaded."));
  UpstreamClient client;

  const auto& reply = reply_of(call(client, generate_request(fake)));

  CHECK(reply.status == 503);
  CHECK(reply.body.find("UNAVAILABLE") != std::string::npos);
}

TEST_CASE("twenty sequential calls share one kept-alive connection", "[ai][upstream]") {
  FakeGemini fake;
  UpstreamClient client;

  for (int i = 0; i < 20; ++i) {
    CHECK(reply_of(call(client, generate_request(fake))).status == 200);
  }

  CHECK(fake.request_count() == 20);
  CHECK(client.connections_opened() >= 1);
  CHECK(client.connections_opened() <= 2);
  CHECK(fake.connections_accepted() <= 2);
}

TEST_CASE(
    "a server that never answers times out after total_timeout; only the detail names the host, "
    "and neither shows the query string",
    "[ai][upstream]") {
  FakeGemini fake;
  FakeGeminiReply hang;
  hang.hang = true;
  fake.enqueue(hang);
  UpstreamClient client;
  UpstreamLimits limits;
  limits.total_timeout = 300ms;

  const auto started = Clock::now();
  const auto outcome = call(client, generate_request(fake, "?key=SECRET"), limits);
  const auto elapsed = Clock::now() - started;

  const auto& failure = failure_of(outcome);
  CHECK(failure.kind == FailureKind::kTimeout);
  CHECK(elapsed >= 295ms);
  CHECK(elapsed < 3s);
  CHECK(failure.message == "the provider did not answer in time");
  const std::string detail = detail_of(outcome);
  INFO(detail);
  for (const std::string& text : {failure.message, detail}) {
    CHECK(text.find("SECRET") == std::string::npos);
    CHECK(text.find("key=") == std::string::npos);
    CHECK(text.find("test-key") == std::string::npos);
  }
  CHECK(detail.find("127.0.0.1:" + std::to_string(fake.port())) != std::string::npos);
  CHECK(client.in_flight() == 0);
}

TEST_CASE("a port where nothing listens is unavailable; only the detail names it",
          "[ai][upstream]") {
  UpstreamClient client;
  const std::string port = std::to_string(free_loopback_port());

  const auto outcome = call(client, get("http://127.0.0.1:" + port + "/"));

  const auto& failure = failure_of(outcome);
  CHECK(failure.kind == FailureKind::kUnavailable);
  CHECK(failure.retryable());
  CHECK(failure.message == "could not connect to the provider");
  check_no_internals(failure.message, port);
  CHECK(detail_of(outcome).find("127.0.0.1:" + port) != std::string::npos);
}

TEST_CASE("a host name that does not resolve is unavailable; only the detail names it",
          "[ai][upstream]") {
  UpstreamClient client;

  // .invalid never resolves (RFC 6761).
  const auto outcome = call(client, get("http://no-such-host.invalid:8443/"));

  const auto& failure = failure_of(outcome);
  CHECK(failure.kind == FailureKind::kUnavailable);
  CHECK(failure.message == "the provider's host name could not be resolved");
  check_no_internals(failure.message, "8443");
  CHECK(detail_of(outcome).find("no-such-host.invalid:8443") != std::string::npos);
}

TEST_CASE("a body cut off before its Content-Length is a failure", "[ai][upstream]") {
  FakeGemini fake;
  FakeGeminiReply cut = moodgate::testing::text_reply("a fairly long answer that gets cut");
  cut.truncate = true;
  fake.enqueue(cut);
  UpstreamClient client;

  const auto outcome = call(client, generate_request(fake));

  const auto& failure = failure_of(outcome);
  INFO(failure.message);
  CHECK((failure.kind == FailureKind::kUnavailable || failure.kind == FailureKind::kBadResponse));
  check_no_internals(failure.message, std::to_string(fake.port()));
}

TEST_CASE("a body over max_response_bytes is a bad response", "[ai][upstream]") {
  UpstreamClient client;
  UpstreamLimits limits;
  limits.max_response_bytes = 100;

  SECTION("when Content-Length announces it") {
    FakeGemini fake;
    FakeGeminiReply big;
    big.body = std::string(101, 'x');
    fake.enqueue(big);
    const auto outcome = call(client, generate_request(fake), limits);
    const auto& failure = failure_of(outcome);
    CHECK(failure.kind == FailureKind::kBadResponse);
    CHECK(failure.message == "the provider's answer was larger than the limit");
    CHECK(detail_of(outcome).find("response larger than 100 bytes") != std::string::npos);
  }
  SECTION("when the body's length is known only at its end") {
    OneShotServer server("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + std::string(5000, 'x'));
    const auto outcome = call(client, get(server.url()), limits);
    const auto& failure = failure_of(outcome);
    CHECK(failure.kind == FailureKind::kBadResponse);
    CHECK(failure.message == "the provider's answer was larger than the limit");
    CHECK(detail_of(outcome).find("response larger than 100 bytes") != std::string::npos);
  }
  SECTION("but a body of exactly the limit is fine") {
    FakeGemini fake;
    FakeGeminiReply fits;
    fits.body = std::string(100, 'x');
    fake.enqueue(fits);
    CHECK(reply_of(call(client, generate_request(fake), limits)).body.size() == 100);
  }
}

TEST_CASE("only the final response's headers come back after an interim 100 Continue",
          "[ai][upstream]") {
  OneShotServer server(
      "HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n"
      "HTTP/1.1 201 Created\r\nX-Final: yes\r\nContent-Length: 2\r\n\r\nok");
  UpstreamClient client;

  const auto& reply = reply_of(call(client, get(server.url())));

  CHECK(reply.status == 201);
  CHECK(reply.body == "ok");
  CHECK(header(reply, "x-final") == "yes");
  CHECK(header(reply, "x-interim").empty());
}

TEST_CASE("a URL with a scheme other than http or https is an invalid request", "[ai][upstream]") {
  UpstreamClient client;

  const auto& failure = failure_of(call(client, get("file:///etc/passwd")));

  CHECK(failure.kind == FailureKind::kInvalidRequest);
}

TEST_CASE("a thousand calls are in flight at once on one I/O thread", "[ai][upstream]") {
  constexpr int kCalls = 1000;
  FakeGemini fake;
  fake.set_fallback([](const moodgate::testing::FakeGeminiRequest&) {
    auto reply = moodgate::testing::text_reply("slow answer");
    reply.delay = 1s;
    return reply;
  });
  UpstreamClientOptions options;
  options.max_connections_per_host = 2 * kCalls;
  options.max_total_connections = 2 * kCalls;
  UpstreamClient client(options);
  const int threads_before = thread_count();

  std::mutex mu;
  std::vector<int> statuses;
  std::vector<std::string> failures;
  std::atomic<int> finished{0};
  const auto started = Clock::now();
  for (int i = 0; i < kCalls; ++i) {
    client.send(generate_request(fake), {}, [&](UpstreamOutcome outcome) {
      {
        std::lock_guard lock(mu);
        if (const auto* reply = std::get_if<HttpReply>(&outcome)) {
          statuses.push_back(reply->status);
        } else {
          failures.push_back(std::get<UpstreamFailure>(outcome).failure.message);
        }
      }
      finished.fetch_add(1);
    });
  }
  CHECK(client.in_flight() == static_cast<std::size_t>(kCalls));
  int threads_max = threads_before;
  while (finished.load() < kCalls && Clock::now() - started < 60s) {
    threads_max = std::max(threads_max, thread_count());
    std::this_thread::sleep_for(10ms);
  }
  const auto elapsed = Clock::now() - started;

  std::lock_guard lock(mu);
  INFO("failures: " << failures.size() << (failures.empty() ? "" : ", first: " + failures[0]));
  REQUIRE(finished.load() == kCalls);
  CHECK(failures.empty());
  CHECK(std::count(statuses.begin(), statuses.end(), 200) == kCalls);
  WARN("1,000 calls: threads "
       << threads_before << " -> max " << threads_max << ", wall "
       << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
       << " ms, server saw up to " << fake.max_concurrent_connections() << " connections at once");
  CHECK(threads_max - threads_before <= 3);
  CHECK(elapsed < 30s);
  CHECK(fake.max_concurrent_connections() >= kCalls / 2);
  CHECK(client.in_flight() == 0);
}

TEST_CASE("scheduled callbacks run in deadline order and never before their delay",
          "[ai][upstream]") {
  UpstreamClient client;
  std::mutex mu;
  std::vector<std::pair<std::string, Clock::duration>> ran;
  std::promise<void> all_ran;
  const auto started = Clock::now();
  auto record = [&](std::string name) {
    return [&, name] {
      std::lock_guard lock(mu);
      ran.emplace_back(name, Clock::now() - started);
      if (ran.size() == 4) all_ran.set_value();
    };
  };

  client.schedule(300ms, record("300"));
  client.schedule(100ms, record("100a"));
  client.schedule(200ms, record("200"));
  client.schedule(100ms, record("100b"));

  REQUIRE(all_ran.get_future().wait_for(5s) == std::future_status::ready);
  std::lock_guard lock(mu);
  REQUIRE(ran.size() == 4);
  CHECK(ran[0].first == "100a");
  CHECK(ran[1].first == "100b");
  CHECK(ran[2].first == "200");
  CHECK(ran[3].first == "300");
  CHECK(ran[0].second >= 100ms);
  CHECK(ran[1].second >= 100ms);
  CHECK(ran[2].second >= 200ms);
  CHECK(ran[3].second >= 300ms);
}

TEST_CASE("an exception thrown by a callback does not stop the client", "[ai][upstream]") {
  FakeGemini fake;
  UpstreamClient client;
  std::promise<void> threw;
  client.send(generate_request(fake), {}, [&](UpstreamOutcome) {
    threw.set_value();
    throw std::runtime_error("callback trouble");
  });
  client.schedule(0ms, [] { throw std::runtime_error("timer trouble"); });
  REQUIRE(threw.get_future().wait_for(10s) == std::future_status::ready);

  CHECK(reply_of(call(client, generate_request(fake))).status == 200);
}

TEST_CASE("stop fails the calls in flight as unavailable and later calls at once",
          "[ai][upstream]") {
  FakeGemini fake;
  fake.set_fallback([](const moodgate::testing::FakeGeminiRequest&) {
    FakeGeminiReply hang;
    hang.hang = true;
    return hang;
  });
  UpstreamClient client;
  std::mutex mu;
  std::vector<UpstreamOutcome> outcomes;
  for (int i = 0; i < 3; ++i) {
    client.send(generate_request(fake), {}, [&](UpstreamOutcome outcome) {
      std::lock_guard lock(mu);
      outcomes.push_back(std::move(outcome));
    });
  }
  std::atomic<bool> timer_ran{false};
  client.schedule(200ms, [&] { timer_ran = true; });
  const auto deadline = Clock::now() + 10s;
  while (fake.request_count() < 3 && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  REQUIRE(fake.request_count() == 3);
  CHECK(client.in_flight() == 3);

  client.stop();

  {
    std::lock_guard lock(mu);
    REQUIRE(outcomes.size() == 3);
    for (const auto& outcome : outcomes) {
      const auto& failure = failure_of(outcome);
      CHECK(failure.kind == FailureKind::kUnavailable);
      CHECK(failure.message == "shutting down");
    }
  }
  CHECK(client.in_flight() == 0);

  std::optional<UpstreamOutcome> late;
  client.send(generate_request(fake), {},
              [&](UpstreamOutcome outcome) { late = std::move(outcome); });
  REQUIRE(late.has_value());  // at once, before send() returned
  CHECK(failure_of(*late).kind == FailureKind::kUnavailable);
  CHECK(failure_of(*late).message == "shutting down");

  client.schedule(0ms, [&] { timer_ran = true; });
  std::this_thread::sleep_for(300ms);
  CHECK_FALSE(timer_ran.load());
  client.stop();  // idempotent
}
