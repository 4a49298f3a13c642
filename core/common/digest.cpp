#include "core/common/digest.h"

#include <sodium.h>

#include <cstdint>

namespace moodgate::digest {
namespace {

std::string hex(const unsigned char (&digest)[crypto_hash_sha256_BYTES]) {
  char out[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(out, sizeof out, digest, sizeof digest);
  return std::string(out, crypto_hash_sha256_BYTES * 2);
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return hex(digest);
}

std::string sha256_hex_of_parts(std::initializer_list<std::string_view> parts) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  for (std::string_view part : parts) {
    const std::uint64_t size = part.size();
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(&size), sizeof size);
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(part.data()),
                              part.size());
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  return hex(digest);
}

}  // namespace moodgate::digest
