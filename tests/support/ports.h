// Loopback TCP ports for tests: one that was free a moment ago, for a server the test is about
// to start (PostgreSQL) or for a connection that must be refused.
#pragma once

#include <cstdint>

namespace moodgate::testing {

// A port on 127.0.0.1 that nothing listened on when asked: bound to an ephemeral port, then
// released. Something else may take it later; nothing listens on it until then. Throws
// std::runtime_error when no socket can be bound.
std::uint16_t free_loopback_port();

}  // namespace moodgate::testing
