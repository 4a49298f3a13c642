// The authority of an absolute URL ("scheme://user:password@host:port/path"), split into the
// part a log line may name (host:port) and the part nothing may show (the user info, which may
// hold a password or key). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace moodgate::ai {

// "host:port" of an absolute URL, without user info ("" when it has no "://").
std::string authority_of(std::string_view url);

// The user info of an absolute URL: its authority up to the last '@' ("" when it has none).
std::string_view user_info_of(std::string_view url);

}  // namespace moodgate::ai
