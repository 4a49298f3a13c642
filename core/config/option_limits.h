// Bounds that options of several config sections share, each defined once so that every timeout
// (or thread count) in the file has the same range and the same "expected an integer 1..N"
// message. A bound only one option has stays with that option's row.
#pragma once

namespace moodgate::config {

// Upper bounds that catch a unit mistake (seconds typed into a _ms field stays legal; an
// accidental extra zero or two does not) without second-guessing real deployments.
inline constexpr int kMaxTimeoutMs = 3'600'000;  // one hour
inline constexpr int kMaxTimeoutS = 3'600;
inline constexpr int kMaxThreads = 256;

}  // namespace moodgate::config
