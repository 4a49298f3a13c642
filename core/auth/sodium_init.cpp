#include "core/auth/sodium_init.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace moodgate::auth {

void ensure_sodium() {
  // A function-local static runs sodium_init() once; later calls cost one guard check.
  static const bool ready = [] {
    if (sodium_init() < 0) {
      std::fputs("moodgate: libsodium could not be initialised (no randomness source)\n", stderr);
      std::abort();
    }
    return true;
  }();
  (void)ready;
}

}  // namespace moodgate::auth
