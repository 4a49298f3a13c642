// What of a failed AI call's message may leave the gateway, and what may reach its log.
//
// A Failure's message comes from a plugin (which may echo the provider's own words: Gemini's
// error messages carry links, service names and project numbers) or from the upstream client
// (a fixed phrase; its host and libcurl's words travel separately, for the log only). The log
// may name hosts but never a key; a client sees neither. safe_reason() is the filter for what a
// client sees; redact_secrets() the one for the log. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moodgate::ai {

// The longest reason safe_reason() returns, in bytes.
inline constexpr std::size_t kMaxReasonBytes = 240;

// The most of a message safe_reason() reads; the rest could not be shown anyway.
inline constexpr std::size_t kMaxScannedBytes = 16 * kMaxReasonBytes;

// What replaces whatever was taken out.
inline constexpr std::string_view kRedacted = "[redacted]";

// `message` fit for a client: valid UTF-8 on one line, at most kMaxReasonBytes (whole words,
// then "..." when cut), with every word that looks like a URL, host name, IP address,
// host:port, port or other long number, e-mail address, query parameter or key replaced by
// kRedacted. Plain words ("quota exceeded", "RESOURCE_EXHAUSTED", "429", model names such as
// gemini-2.5-flash) pass unchanged. Of a longer message only the first kMaxScannedBytes are
// read, less the word the cut falls in. Applying it twice changes nothing more.
std::string safe_reason(std::string_view message);

// The values in `settings` that may be secrets: that of every setting whose name holds "key",
// "secret", "token", "password" or "credential" (4 bytes or more, lest it eat plain words) and
// the user info of every URL-valued one.
std::vector<std::string> secrets_of(const std::map<std::string, std::string>& settings);

// `text` with every occurrence of each of `secrets` replaced by kRedacted, the longest first so
// that a secret inside another is not replaced piecemeal (empty ones are skipped).
std::string redact_secrets(std::string text, std::span<const std::string> secrets);

// redact_secrets(text, secrets_of(settings)): a plugin that echoes its own key must not put it
// in the log.
std::string redact_secrets(std::string text, const std::map<std::string, std::string>& settings);

}  // namespace moodgate::ai
