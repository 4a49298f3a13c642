#include "core/auth/opaque_tokens.h"

#include <sodium.h>

#include <vector>

#include "core/auth/sodium_init.h"
#include "core/common/digest.h"

namespace moodgate::auth {

std::string random_token(std::size_t bytes) {
  if (bytes == 0) return {};  // libsodium's pointers must not be null
  ensure_sodium();
  std::vector<unsigned char> raw(bytes);
  randombytes_buf(raw.data(), raw.size());
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_encoded_len(bytes, kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), raw.data(), raw.size(), kVariant);
  sodium_memzero(raw.data(), raw.size());
  out.resize(std::char_traits<char>::length(out.c_str()));  // drop the terminator
  return out;
}

std::string token_digest(std::string_view token) {
  ensure_sodium();
  return digest::sha256_hex(token);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  ensure_sodium();
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace moodgate::auth
