// The HTTP core through a real server on a free port, spoken to over real sockets.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "tests/support/envelope_check.h"
#include "tests/support/http_client.h"
#include "tests/support/test_server.h"

using namespace moodgate::testing;

namespace {

using Fixture = SqliteServerFixture;

}  // namespace

TEST_CASE("GET /health answers ok with a request id and the security headers", "[http][system]") {
  Fixture f;
  TestServer server(f.config);
  const HttpReply r = http_request(server.port(), "GET", "/health");
  REQUIRE(r.status == 200);
  CHECK(r.body == R"({"status":"ok"})");
  CHECK(r.header("content-type") == "application/json; charset=utf-8");
  CHECK(r.header("x-request-id").size() == 36);
  CHECK(r.header("x-content-type-options") == "nosniff");
  CHECK(r.header("x-frame-options") == "DENY");
  CHECK(r.header("cache-control") == "no-store");
}

TEST_CASE("a sane client request id is echoed and an unsafe one is replaced", "[http]") {
  Fixture f;
  TestServer server(f.config);
  CHECK(http_request(server.port(), "GET", "/health", "", {{"X-Request-ID", "ios-42.abc:1"}})
            .header("x-request-id") == "ios-42.abc:1");
  const HttpReply r =
      http_request(server.port(), "GET", "/health", "", {{"X-Request-ID", "bad id<script>"}});
  CHECK(r.header("x-request-id") != "bad id<script>");
  CHECK(r.header("x-request-id").size() == 36);
}

TEST_CASE("GET /version names the service, its version and its build", "[http][system]") {
  Fixture f;
  TestServer server(f.config);
  const HttpReply r = http_request(server.port(), "GET", "/version");
  REQUIRE(r.status == 200);
  const auto doc = r.json();
  CHECK(std::string(doc["name"].GetString()) == "moodgate");
  CHECK(std::string(doc["api_version"].GetString()) == "v1");
  CHECK(std::string(doc["version"].GetString()).find('.') != std::string::npos);
  CHECK(doc["build"]["git_sha"].IsString());
  CHECK(std::string(doc["build"]["compiler"].GetString()).size() > 0);
  CHECK(doc["plugins"].IsArray());
}

TEST_CASE("GET /health/ready is 200 when the SQLite database answers", "[http][system]") {
  Fixture f;
  TestServer server(f.config);
  const HttpReply r = http_request(server.port(), "GET", "/health/ready");
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(std::string(r.json()["checks"]["database"].GetString()) == "ok");
}

TEST_CASE("an unknown path answers 404 in the error envelope", "[http][errors]") {
  Fixture f;
  TestServer server(f.config);
  check_envelope(http_request(server.port(), "GET", "/no/such/thing"), 404, "NOT_FOUND");
}

TEST_CASE("a known path with the wrong method answers 405 with Allow", "[http][errors]") {
  Fixture f;
  TestServer server(f.config);
  const HttpReply r = http_request(server.port(), "DELETE", "/health");
  check_envelope(r, 405, "METHOD_NOT_ALLOWED");
  CHECK(r.header("allow") == "GET, HEAD, OPTIONS");
}

TEST_CASE("a body over the configured limit answers 413 in the envelope", "[http][errors]") {
  Fixture f;
  f.config.server.max_body_bytes = 1024;
  f.config.server.max_header_bytes = 4096;
  TestServer server(f.config);
  SECTION("slightly over the limit") {
    const HttpReply r = http_request(server.port(), "POST", "/health", std::string(2000, 'x'));
    check_envelope(r, 413, "PAYLOAD_TOO_LARGE");
    CHECK(r.json()["error"]["details"]["limit_bytes"].GetInt() == 1024);
  }
  SECTION("far over what the HTTP parser buffers") {
    const HttpReply r =
        http_request(server.port(), "POST", "/health", std::string(256 * 1024, 'x'));
    check_envelope(r, 413, "PAYLOAD_TOO_LARGE");
  }
  SECTION("a body at the limit is accepted and routed") {
    const HttpReply r = http_request(server.port(), "POST", "/health", std::string(1024, 'x'));
    check_envelope(r, 405, "METHOD_NOT_ALLOWED");
  }
}

TEST_CASE("a malformed HTTP request answers 400 in the envelope", "[http][errors]") {
  Fixture f;
  TestServer server(f.config);
  SECTION("an unknown HTTP version") {
    check_envelope(http_raw(server.port(), "GET /health HTTP/9.9\r\n\r\n"), 400, "INVALID_INPUT");
  }
  SECTION("a negative Content-Length") {
    check_envelope(http_raw(server.port(), "GET /health HTTP/1.1\r\nContent-Length: -5\r\n\r\n"),
                   400, "INVALID_INPUT");
  }
  SECTION("a broken chunked body") {
    check_envelope(http_raw(server.port(),
                            "POST /health HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n"),
                   400, "INVALID_INPUT");
  }
}

TEST_CASE("HEAD answers like GET without a body", "[http]") {
  Fixture f;
  TestServer server(f.config);
  const HttpReply r = http_request(server.port(), "HEAD", "/health");
  CHECK(r.status == 200);
  CHECK(r.body.empty());
}

TEST_CASE("CORS preflights are answered for configured origins only", "[http][cors]") {
  Fixture f;
  f.config.server.cors_allowed_origins = {"https://app.example.com"};
  TestServer server(f.config);
  const Headers preflight_from = {{"Origin", "https://app.example.com"},
                                  {"Access-Control-Request-Method", "GET"}};
  const HttpReply ok = http_request(server.port(), "OPTIONS", "/version", "", preflight_from);
  CHECK(ok.status == 204);
  CHECK(ok.header("access-control-allow-origin") == "https://app.example.com");
  CHECK(ok.header("access-control-allow-methods").find("GET") != std::string::npos);
  for (const char* h : {"Authorization", "Content-Type", "Idempotency-Key", "If-None-Match"}) {
    CHECK(ok.header("access-control-allow-headers").find(h) != std::string::npos);
  }

  const HttpReply other = http_request(
      server.port(), "OPTIONS", "/version", "",
      {{"Origin", "https://evil.example.net"}, {"Access-Control-Request-Method", "GET"}});
  CHECK(other.status == 204);
  CHECK_FALSE(other.has_header("access-control-allow-origin"));

  const HttpReply simple =
      http_request(server.port(), "GET", "/version", "", {{"Origin", "https://app.example.com"}});
  CHECK(simple.header("access-control-allow-origin") == "https://app.example.com");
  // A browser client may read what the API tells it in headers.
  for (const char* h :
       {"X-Request-ID", "Location", "ETag", "Retry-After", "Idempotent-Replayed", "Allow"}) {
    CHECK(simple.header("access-control-expose-headers").find(h) != std::string::npos);
  }
}

TEST_CASE("many concurrent requests are all answered", "[http]") {
  Fixture f;
  TestServer server(f.config);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (http_request(server.port(), "GET", "/health/ready").status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok.load() == 200);
}

TEST_CASE("a handler slower than the request deadline is answered 503 in the envelope",
          "[http][timeouts]") {
  Fixture f;
  f.config.server.debug_endpoints = true;
  f.config.server.request_timeout_ms = 300;
  TestServer server(f.config);
  const auto started = std::chrono::steady_clock::now();
  const HttpReply r = http_request(server.port(), "GET", "/debug/sleep?ms=1500");
  check_envelope(r, 503, "UNAVAILABLE");
  CHECK(r.header("retry-after") == "1");
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1400));
}

TEST_CASE("a handler slower than the receive timeout but within the deadline still answers",
          "[http][timeouts]") {
  Fixture f;
  f.config.server.debug_endpoints = true;
  f.config.server.header_timeout_ms = 200;
  f.config.server.request_timeout_ms = 5000;
  TestServer server(f.config);
  const HttpReply r = http_request(server.port(), "GET", "/debug/sleep?ms=700");
  CHECK(r.status == 200);
  CHECK(r.body == R"({"slept_ms":700})");
}

TEST_CASE("a client that does not finish its request in time gets 408 and is disconnected",
          "[http][timeouts]") {
  Fixture f;
  f.config.server.header_timeout_ms = 300;
  TestServer server(f.config);
  // Headers never end: no blank line.
  const HttpReply r = http_raw(server.port(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                               std::chrono::seconds(5));
  check_envelope(r, 408, "REQUEST_TIMEOUT");
  CHECK(r.header("connection") == "close");
  // The server stays healthy for everyone else.
  CHECK(http_request(server.port(), "GET", "/health").status == 200);
}
