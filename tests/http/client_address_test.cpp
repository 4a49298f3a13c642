#include "core/http/client_address.h"

#include <catch2/catch.hpp>

using moodgate::http::TrustedProxies;

TEST_CASE("without trusted proxies the TCP peer is the client, whatever the header says",
          "[http][proxies]") {
  const TrustedProxies none({});
  CHECK(none.client_address("198.51.100.4", "203.0.113.7") == "198.51.100.4");
  CHECK(none.client_address("198.51.100.4", std::nullopt) == "198.51.100.4");
}

TEST_CASE("CIDR ranges match IPv4 and IPv6 addresses by prefix", "[http][proxies]") {
  const TrustedProxies proxies({"10.0.0.0/8", "192.168.1.7", "fd00::/8", "172.16.0.0/12"});
  CHECK(proxies.trusts("10.200.3.4"));
  CHECK(proxies.trusts("192.168.1.7"));
  CHECK_FALSE(proxies.trusts("192.168.1.8"));
  CHECK(proxies.trusts("172.31.255.255"));
  CHECK_FALSE(proxies.trusts("172.32.0.1"));
  CHECK(proxies.trusts("fd12:3456::1"));
  CHECK_FALSE(proxies.trusts("fe80::1"));
  CHECK_FALSE(proxies.trusts("not-an-ip"));
}

TEST_CASE("X-Forwarded-For is read right to left, stopping at the first untrusted hop",
          "[http][proxies]") {
  const TrustedProxies proxies({"10.0.0.0/8"});
  // client -> 10.0.0.5 (proxy) -> 10.0.0.9 (proxy) -> us
  CHECK(proxies.client_address("10.0.0.9", "203.0.113.7, 10.0.0.5") == "203.0.113.7");
  // A client forging the header's left part is not believed past the first untrusted hop.
  CHECK(proxies.client_address("10.0.0.9", "1.2.3.4, 203.0.113.7, 10.0.0.5") == "203.0.113.7");
  // Every hop trusted: the left-most address is the client.
  CHECK(proxies.client_address("10.0.0.9", "10.1.1.1, 10.0.0.5") == "10.1.1.1");
  // Garbage stops the walk at the last address a trusted hop vouched for.
  CHECK(proxies.client_address("10.0.0.9", "garbage, 10.0.0.5") == "10.0.0.5");
  CHECK(proxies.client_address("10.0.0.9", "") == "10.0.0.9");
}
