#include "core/common/uuid.h"

#include <cstdint>
#include <random>

namespace moodgate {

std::string new_uuid() {
  // One generator per thread, seeded from the OS; ids need uniqueness, not secrecy
  // (tokens and secrets are drawn from libsodium instead).
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t hi = rng();
  std::uint64_t lo = rng();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  auto put = [&](std::uint64_t v, int from_nibble, int count) {
    for (int i = from_nibble; i > from_nibble - count; --i)
      out.push_back(kHex[(v >> (i * 4)) & 0xF]);
  };
  put(hi, 15, 8);
  out.push_back('-');
  put(hi, 7, 4);
  out.push_back('-');
  put(hi, 3, 4);
  out.push_back('-');
  put(lo, 15, 4);
  out.push_back('-');
  put(lo, 11, 12);
  return out;
}

}  // namespace moodgate
