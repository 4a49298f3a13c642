// Loading the gateway's configuration: one YAML file -> a validated Config.
//
// The file is parsed, every scalar value has its ${VAR} / ${VAR:-default} references expanded
// from the process environment (env_expansion.h), and the result is checked against the schema
// (config_schema.h). Every problem is reported, not only the first: the Error's message holds one
// line per problem, "<source>: <dotted.key>: <what is wrong>". Messages never contain a value
// that came from the environment, since it may be a secret.
//
// Loading reads the environment, so it must not race with setenv(); call it at start, and on
// reload (SIGHUP or the watched file saved), one load at a time. The Config it returns is a plain value, safe to share read-only.
#pragma once

#include <optional>
#include <string>

#include "core/common/result.h"
#include "core/config/config.h"

namespace moodgate::config {

// Reads and validates the file at `path`, which also names it in messages and in Config::source.
// Fails with kInvalidInput when the file cannot be read or is not a valid configuration.
Result<Config> load_config_file(const std::string& path);

// Validates YAML text; `source_name` is what messages and Config::source call it.
// Fails with kInvalidInput when the text is not a valid configuration.
Result<Config> load_config_text(const std::string& yaml_text, const std::string& source_name);

// The config file to use: `--config PATH` when given, else $MOODGATE_CONFIG, else
// config/moodgate.yaml (relative to the working directory). An empty value counts as not given.
std::string resolve_config_path(const std::optional<std::string>& cli_path);

// The effective configuration as one line for the startup log, e.g.
// "config=config/moodgate.yaml server.host=127.0.0.1 server.port=8080 ...", with secrets
// (such as the database password) replaced by ***.
std::string describe_config_for_log(const Config& config);

}  // namespace moodgate::config
