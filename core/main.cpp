// moodgate: the thin executable; everything else lives in the moodgate_core library.
#include <iostream>

#include "core/app/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = moodgate::app::parse_command_line(args);
  if (!parsed.value) {
    std::cerr << "moodgate: " << parsed.error << "\n\n" << moodgate::app::usage_text();
    return 2;
  }
  return moodgate::app::run_command(*parsed.value);
}
