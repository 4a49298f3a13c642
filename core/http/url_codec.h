// Percent-decoding of URL components (query values, path parameters).
#pragma once

#include <string>

namespace moodgate::http {

// Decodes %XX escapes (and '+' as space when `plus_is_space`, as in query strings).
// Malformed escapes are kept as they are.
std::string percent_decode(const std::string& in, bool plus_is_space);

}  // namespace moodgate::http
