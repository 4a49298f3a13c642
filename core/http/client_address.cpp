#include "core/http/client_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace moodgate::http {
namespace {

struct Parsed {
  int family = 0;
  std::array<std::uint8_t, 16> bytes{};
};

std::optional<Parsed> parse_ip(const std::string& text) {
  Parsed p;
  if (inet_pton(AF_INET, text.c_str(), p.bytes.data()) == 1) {
    p.family = AF_INET;
    return p;
  }
  if (inet_pton(AF_INET6, text.c_str(), p.bytes.data()) == 1) {
    p.family = AF_INET6;
    return p;
  }
  return std::nullopt;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

}  // namespace

TrustedProxies::TrustedProxies(const std::vector<std::string>& entries) {
  for (const auto& entry : entries) {
    const auto slash = entry.find('/');
    const auto ip = parse_ip(entry.substr(0, slash));
    if (!ip) continue;
    const int max_prefix = ip->family == AF_INET ? 32 : 128;
    int prefix = max_prefix;
    if (slash != std::string::npos) prefix = std::atoi(entry.c_str() + slash + 1);
    ranges_.push_back({ip->family, ip->bytes, std::clamp(prefix, 0, max_prefix)});
  }
}

bool TrustedProxies::trusts(const std::string& ip) const {
  const auto parsed = parse_ip(ip);
  if (!parsed) return false;
  for (const auto& r : ranges_) {
    if (r.family != parsed->family) continue;
    const int full = r.prefix / 8;
    const int rest = r.prefix % 8;
    if (std::memcmp(r.bytes.data(), parsed->bytes.data(), static_cast<std::size_t>(full)) != 0) {
      continue;
    }
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
    if ((r.bytes[full] & mask) == (parsed->bytes[full] & mask)) return true;
  }
  return false;
}

std::string TrustedProxies::client_address(const std::string& peer_ip,
                                           const std::optional<std::string>& forwarded_for) const {
  if (!forwarded_for || !trusts(peer_ip)) return peer_ip;
  // Right to left: each trusted hop vouches for the one before it.
  std::string client = peer_ip;
  const std::string& list = *forwarded_for;
  std::size_t end = list.size();
  while (end > 0) {
    const std::size_t comma = list.rfind(',', end - 1);
    const std::size_t begin = comma == std::string::npos ? 0 : comma + 1;
    const std::string hop = trim(list.substr(begin, end - begin));
    if (!parse_ip(hop)) break;  // garbage: stop at the last address we could vouch for
    client = hop;
    if (!trusts(hop)) break;
    if (comma == std::string::npos) break;
    end = comma;
  }
  return client;
}

}  // namespace moodgate::http
