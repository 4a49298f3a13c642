// SHA-256 digests as lower-case hex (64 characters), for ETags, cache keys and request
// fingerprints. Pure functions (libsodium); thread-safe.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace moodgate::digest {

// SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);
// SHA-256 of `parts`, each length-prefixed, so ("ab","c") and ("a","bc") differ.
std::string sha256_hex_of_parts(std::initializer_list<std::string_view> parts);

}  // namespace moodgate::digest
