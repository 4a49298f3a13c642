// The command line: `moodgate [--config PATH] [serve|migrate|check-config]`,
// `moodgate [--config PATH] quota set|show|clear ...` (app/quota_command.h), `--help`,
// `--version`. Parsing is separate from running so it can be tested without side effects.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace moodgate::app {

enum class Command { kServe, kMigrate, kCheckConfig, kQuota, kHelp, kVersion };

struct CommandLine {
  Command command = Command::kServe;
  std::optional<std::string> config_path;
  std::vector<std::string> arguments;  // the command's own (quota: the action and its operands)
};

// Parses argv (without argv[0]); an error message for unknown commands or options, and for
// quota arguments that are missing, extra or malformed.
struct ParsedCommandLine {
  std::optional<CommandLine> value;
  std::string error;
};
ParsedCommandLine parse_command_line(const std::vector<std::string>& args);

// The --help text.
std::string usage_text();

// Runs the command; returns the process exit code.
int run_command(const CommandLine& command_line);

}  // namespace moodgate::app
