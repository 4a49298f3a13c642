// A provider plugin of this build, for fuzz targets that exercise it as shipped: the .so from
// the build's providers/ directory, loaded by the gateway's own PluginLoader (ABI version and
// build fingerprint checked) and made by its factory. Also the HTTP reply a target feeds it,
// read from the fuzz input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "fuzz/support/fuzz_input.h"
#include "fuzz/support/reply_status.h"
#include "moodgate/provider.h"

namespace moodgate::fuzz {

// The provider made by plugin `name` with `settings`, loaded on first use and kept for the
// life of the process. Aborts with a message when it cannot be loaded: a fuzz run that does not
// reach its target must not look like a clean run.
const sdk::Provider& built_provider(const std::string& name, const sdk::Settings& settings);

// The settings the Gemini plugins are fuzzed with; kFuzzApiKey must never appear in a message.
inline constexpr const char* kFuzzApiKey = "AIzaFuzzKey-0123456789-abcdefghij";
sdk::Settings gemini_settings(const std::string& model);

// An HTTP reply: `status_choice` picks the status (reply_status(): '0'..'3' are 200, '4' is 400,
// '9' is 429, ':' 500 and '<' 503) and the rest of `input` is the body; when `with_retry_after`,
// the input up to its first newline is first taken as a Retry-After header.
sdk::HttpReply reply_from(std::uint8_t status_choice, FuzzInput& input, bool with_retry_after);

// Checks what every Failure from a Gemini plugin must be: one line of at most 300 bytes
// without the API key. Links and hosts are left to the core (ai::safe_reason), which filters
// every plugin's message before a client sees it.
void check_gemini_failure(const sdk::Failure& failure);

// provider.finish(task, sent, reply) for a Gemini plugin, checked: it never polls, a Failure
// passes `check_failure`, and a Result comes only from a 200 and counts no negative usage.
// The Result, or nothing when the call failed.
std::optional<sdk::Result> finish_checked(
    const sdk::Provider& provider, const sdk::Task& task, const sdk::HttpRequest& sent,
    const sdk::HttpReply& reply, void (*check_failure)(const sdk::Failure&) = check_gemini_failure);

}  // namespace moodgate::fuzz
