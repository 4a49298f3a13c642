// libsodium must be initialised once before any other call; every auth/ function that uses it
// calls ensure_sodium() first. Thread-safe (sodium_init is, and is idempotent).
#pragma once

namespace moodgate::auth {

// Initialises libsodium; aborts the process if it cannot (no usable randomness source).
void ensure_sodium();

}  // namespace moodgate::auth
