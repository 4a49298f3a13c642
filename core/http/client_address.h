// ClientAddress: who the client is, when proxies stand in between.
//
// The TCP peer is the client unless it is a configured trusted proxy (server.trusted_proxies:
// IPs or CIDR ranges). Then X-Forwarded-For is read from right to left, skipping trusted hops;
// the first untrusted address is the client. Addresses a client could forge (left of an
// untrusted hop) are never believed. Immutable after construction; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace moodgate::http {

class TrustedProxies {
 public:
  // Entries that do not parse are ignored (config validation has refused them already).
  explicit TrustedProxies(const std::vector<std::string>& entries);

  // True when `ip` (IPv4 or IPv6 text) lies in a trusted range.
  bool trusts(const std::string& ip) const;

  // The client's address for a request from `peer_ip` carrying `forwarded_for`.
  std::string client_address(const std::string& peer_ip,
                             const std::optional<std::string>& forwarded_for) const;

 private:
  struct Range {
    int family;                          // AF_INET or AF_INET6
    std::array<std::uint8_t, 16> bytes;  // network address
    int prefix;                          // significant bits
  };
  std::vector<Range> ranges_;
};

}  // namespace moodgate::http
