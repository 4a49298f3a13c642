// Connections over real sockets: idle ones are closed, `Connection: close` and HTTP/1.0 close,
// a silent client gets the envelope, the connection limit holds without hurting those already
// in, and big answers reach slow readers whole.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/raw_connection.h"
#include "tests/support/test_server.h"

using namespace moodgate::testing;
using namespace std::chrono_literals;

namespace {

using Fixture = SqliteServerFixture;

}  // namespace

TEST_CASE("an idle keep-alive connection is closed at the keep-alive timeout",
          "[http][connections]") {
  Fixture f;
  f.config.server.keepalive_timeout_ms = 300;
  TestServer server(f.config);
  RawConnection c(server.port());
  c.send(get_request("/health"));
  const HttpReply r = c.read_reply();
  REQUIRE(r.status == 200);
  CHECK(r.header("connection") == "keep-alive");
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(c.wait_closed(100ms));  // still open right after the answer
  CHECK(c.wait_closed(3s));
  CHECK(std::chrono::steady_clock::now() - start >= 250ms);
}

TEST_CASE("a connection in use is not closed by the keep-alive timeout", "[http][connections]") {
  Fixture f;
  f.config.server.keepalive_timeout_ms = 400;
  TestServer server(f.config);
  RawConnection c(server.port());
  for (int i = 0; i < 6; ++i) {  // 6 x 200 ms: three keep-alive timeouts, never idle that long
    c.send(get_request("/health"));
    REQUIRE(c.read_reply().status == 200);
    std::this_thread::sleep_for(200ms);
  }
}

TEST_CASE("Connection: close and HTTP/1.0 close the connection after the answer",
          "[http][connections]") {
  Fixture f;
  TestServer server(f.config);
  SECTION("HTTP/1.1 with Connection: close") {
    RawConnection c(server.port());
    c.send(get_request("/health", "Connection: close\r\n"));
    const HttpReply r = c.read_reply();
    CHECK(r.status == 200);
    CHECK(r.header("connection") == "close");
    CHECK(c.wait_closed(2s));
  }
  SECTION("HTTP/1.0") {
    RawConnection c(server.port());
    c.send("GET /health HTTP/1.0\r\n\r\n");
    const HttpReply r = c.read_reply();
    CHECK(r.status == 200);
    CHECK(r.header("connection") == "close");
    CHECK(c.wait_closed(2s));
  }
  SECTION("HTTP/1.0 asking for keep-alive stays open") {
    RawConnection c(server.port());
    c.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    REQUIRE(c.read_reply().status == 200);
    c.send("GET /version HTTP/1.0\r\n\r\n");
    CHECK(c.read_reply().status == 200);
    CHECK(c.wait_closed(2s));
  }
}

TEST_CASE("a connection that sends nothing gets 408 in the envelope at header_timeout_ms",
          "[http][connections][timeouts]") {
  Fixture f;
  f.config.server.header_timeout_ms = 300;
  TestServer server(f.config);
  RawConnection c(server.port());
  const auto start = std::chrono::steady_clock::now();
  const HttpReply r = c.read_reply(5s);
  const auto waited = std::chrono::steady_clock::now() - start;
  REQUIRE(r.status == 408);
  CHECK(std::string(r.json()["error"]["code"].GetString()) == "REQUEST_TIMEOUT");
  CHECK(r.header("connection") == "close");
  CHECK(waited >= 250ms);
  CHECK(waited < 3s);
  CHECK(c.wait_closed(3s));
}

TEST_CASE("over max_connections a newcomer takes the place of the longest-idle connection",
          "[http][connections]") {
  Fixture f;
  f.config.server.max_connections = 4;
  TestServer server(f.config);
  // Three silent connections, then one in use: the limit is reached.
  std::vector<std::unique_ptr<RawConnection>> silent;
  for (int i = 0; i < 3; ++i) {
    silent.push_back(std::make_unique<RawConnection>(server.port()));
    std::this_thread::sleep_for(20ms);  // so their order is known
  }
  RawConnection in_use(server.port());
  in_use.send(get_request("/health"));
  REQUIRE(in_use.read_reply().status == 200);

  RawConnection newcomer(server.port());
  newcomer.send(get_request("/health"));
  CHECK(newcomer.read_reply().status == 200);
  CHECK(silent[0]->wait_closed(2s));           // the longest silent one made room
  CHECK_FALSE(silent[1]->wait_closed(200ms));  // the others stay
  in_use.send(get_request("/health"));
  CHECK(in_use.read_reply().status == 200);
}

TEST_CASE(
    "over max_connections with every connection busy a newcomer gets 503, and those "
    "already open are still served",
    "[http][connections]") {
  Fixture f;
  f.config.server.max_connections = 4;
  TestServer server(f.config);
  // Four connections in the middle of sending a request: none is idle, none can be evicted.
  std::vector<std::unique_ptr<RawConnection>> busy;
  for (int i = 0; i < 4; ++i) {
    busy.push_back(std::make_unique<RawConnection>(server.port()));
    busy.back()->send("GET /health HTTP/1.1\r\nHost: t\r\n");
  }
  std::this_thread::sleep_for(100ms);  // let the server see them

  RawConnection refused(server.port());
  refused.send(get_request("/health"));
  const HttpReply r = refused.read_reply();
  REQUIRE(r.status == 503);
  CHECK(std::string(r.json()["error"]["code"].GetString()) == "UNAVAILABLE");
  CHECK(refused.wait_closed(2s));

  for (auto& c : busy) {
    c->send("\r\n");  // each finishes its request and is answered
    CHECK(c->read_reply().status == 200);
  }
}

TEST_CASE("a big answer reaches a slow reader whole", "[http][connections]") {
  Fixture f;
  TestServer server(f.config);
  const HttpReply expected = http_request(server.port(), "GET", "/openapi.json");
  REQUIRE(expected.status == 200);
  REQUIRE(expected.body.size() > 32 * 1024);
  RawConnection c(server.port(), 4096);  // a small receive window: the server must wait
  c.send(get_request("/openapi.json"));
  std::this_thread::sleep_for(300ms);
  const HttpReply r = c.read_reply(10s);
  CHECK(r.status == 200);
  CHECK(r.body == expected.body);
  c.send(get_request("/health"));  // and the connection goes on
  CHECK(c.read_reply().status == 200);
}

TEST_CASE("a client that never reads its answers is dropped after send_timeout_ms",
          "[http][connections][timeouts]") {
  Fixture f;
  f.config.server.send_timeout_ms = 300;
  TestServer server(f.config);
  const std::size_t one = http_request(server.port(), "GET", "/openapi.json").body.size();
  RawConnection c(server.port(), 4096);
  // 200 answers of ~50 KB: far more than the kernel buffers between us hold (up to 4 MiB
  // of send buffer on loopback).
  std::string requests;
  for (int i = 0; i < 200; ++i) requests += get_request("/openapi.json");
  c.send(requests);
  std::this_thread::sleep_for(1500ms);  // read nothing while the server waits to write
  std::string got;
  for (std::string piece; !(piece = c.read_some(1 << 16, 1s)).empty();) got += piece;
  INFO("received " << got.size() << " bytes of " << 200 * one);
  CHECK(got.size() < 150 * one);
  CHECK(c.wait_closed(2s));
}
