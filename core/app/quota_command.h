// `moodgate quota ...`: an operator's per-user overrides of the AI quotas (quotas.per_user),
// stored in the database so every instance applies them at once, and where a user stands.
//
//   moodgate quota set EMAIL CAPABILITY LIMIT   e.g. `ana@example.com image 100/1d`; LIMIT off
//                                               lifts the limit
//   moodgate quota show EMAIL                   the effective limits (override or default), the
//                                               use of each in its current window, its reset
//   moodgate quota clear EMAIL [CAPABILITY]     back to the default: one override, or all
//
// CAPABILITY is analysis, scenarios, summary, image (LIMIT "<count>/<window>") or spend_usd
// (LIMIT "<usd>/<window>"), written as in the config file. The database is brought up to date
// first when database.migrate_on_start is true, as `serve` would.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config/config.h"

namespace moodgate::app {

// What is wrong with the arguments after `quota` (the action and its operands), for a usage
// message; nullopt when they are complete and well-formed.
std::optional<std::string> check_quota_arguments(const std::vector<std::string>& args);

// Runs the quota command `args` (checked by check_quota_arguments()) against the database of
// `config`. Prints the outcome on stdout and problems on stderr; returns the exit code: 0 done,
// 1 failed (no user with that email, the database unreachable or failing).
int run_quota_command(const config::Config& config, const std::vector<std::string>& args);

}  // namespace moodgate::app
