// Finding the access-token signing key at start-up.
//
// The key comes from config (auth.jwt_secret, normally ${MOODGATE_JWT_SECRET}). When that is
// empty, the embedded default (SQLite) reads auth.jwt_secret_file -- creating it on first start
// with 48 random bytes, base64url, mode 0600 -- so a newcomer needs no setup and tokens survive a
// restart. With PostgreSQL an empty secret is refused: instances sharing a database must share
// the key, and a generated per-machine key would silently break that.
#pragma once

#include <string>
#include <string_view>

#include "core/common/result.h"
#include "core/config/config.h"

namespace moodgate::auth {

// OK when `secret` is usable as an HMAC-SHA256 key: at least 32 bytes and not trivially weak
// (fewer than 8 distinct byte values, e.g. "aaaa..." or "12121212..."). The kInvalidInput
// message names `key` and says what is wrong, never quoting the secret.
Status check_secret_strength(std::string_view secret, std::string_view key);

// The signing key for `auth`. `allow_generated` is true on the embedded default (SQLite):
// then an empty jwt_secret falls back to jwt_secret_file (read, or created if missing; a file
// holding a weak key is refused). kInvalidInput naming the config key when the secret is missing
// or weak; kInternal (logged with the path) when the file cannot be read or written.
Result<std::string> resolve_jwt_secret(const config::AuthConfig& auth, bool allow_generated);

}  // namespace moodgate::auth
