// Opaque random tokens (refresh tokens) and the digests the database keeps instead of them.
// libsodium's CSPRNG and SHA-256. Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace moodgate::auth {

// `bytes` random bytes from libsodium, base64url without padding (32 bytes -> 43 characters).
std::string random_token(std::size_t bytes = 32);

// Lower-case hex SHA-256 of `token` (64 characters): what refresh_tokens.token_hash holds.
std::string token_digest(std::string_view token);

// Equality in time independent of where the inputs differ (sodium_memcmp); false if the
// lengths differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace moodgate::auth
