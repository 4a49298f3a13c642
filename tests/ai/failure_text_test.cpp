// safe_reason() keeps a provider's reasons and takes out every URL, host, port, address, number
// and key; redact_secrets() takes an instance's secrets out of what the log shows.
#include <catch2/catch.hpp>

#include <cctype>
#include <map>
#include <string>

#include "core/ai/failure_text.h"

using moodgate::ai::kMaxReasonBytes;
using moodgate::ai::kMaxScannedBytes;
using moodgate::ai::redact_secrets;
using moodgate::ai::safe_reason;

TEST_CASE("safe_reason keeps the words that say why a provider failed", "[ai][failure_text]") {
  for (const std::string message : {
           "gemini: 429 RESOURCE_EXHAUSTED: You exceeded your current quota, please check your "
           "plan and billing details.",
           "gemini: 400 INVALID_ARGUMENT: API key not valid. Please pass a valid API key.",
           "gemini: 404 NOT_FOUND: models/gemini-2.5-flash is not found for API version v1beta, "
           "or is not supported for generateContent.",
           "nano_banana: the answer was blocked (finish reason IMAGE_SAFETY)",
           "gemini: the answer is not valid JSON (finish reason MAX_TOKENS)",
           "could not connect to the provider",
           "mock: unsupported aspect_ratio \"7:5\" or size \"\"",
           "e.g. quota exceeded, i.e. try later",
           "the aspect ratio 16:9 at 12:30",
       }) {
    CHECK(safe_reason(message) == message);
  }
}

TEST_CASE("safe_reason takes out URLs, hosts, addresses, ports, numbers and keys",
          "[ai][failure_text]") {
  struct Case {
    std::string in;
    std::string out;
  };
  for (const auto& [in, out] : {
           Case{"upstream 127.0.0.1:19090: response larger than 33554432 bytes",
                "upstream [redacted]: response larger than [redacted] bytes"},
           Case{"Failed to connect to 127.0.0.1 port 19090 after 0 ms: Connection refused",
                "Failed to connect to [redacted] port [redacted] after 0 ms: Connection refused"},
           Case{"connect to port 443 failed", "connect to port [redacted] failed"},
           Case{"For more information on this error, head to: "
                "https://ai.google.dev/gemini-api/docs/rate-limits.",
                "For more information on this error, head to: [redacted]."},
           Case{"Quota exceeded for service 'generativelanguage.googleapis.com' for consumer "
                "'project_number:123456789'.",
                "Quota exceeded for service '[redacted]' for consumer '[redacted]'."},
           Case{"Could not resolve host: api.internal.example",
                "Could not resolve host: [redacted]"},
           Case{"see (localhost:8080/v1) or [::1]:9000 or fe80::1",
                "see ([redacted]) or [[redacted] or [redacted]"},
           Case{"bad key AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY given",
                "bad key [redacted] given"},
           Case{"token 0123456789abcdef0123456789abcdef", "token [redacted]"},
           Case{"sent ?key=abc&alt=json to admin@example.com", "sent [redacted] to [redacted]"},
           Case{"listening on LOCALHOST", "listening on [redacted]"},
       }) {
    CHECK(safe_reason(in) == out);
  }
}

TEST_CASE("safe_reason returns one line of valid UTF-8 within its bound", "[ai][failure_text]") {
  CHECK(safe_reason("line one\nline\ttwo\r\n") == "line one line two");
  CHECK(safe_reason("caf\xc3\xa9 \xff\xfe ok \xc2\x85 done") == "caf\xc3\xa9 ?? ok done");
  CHECK(safe_reason("\xed\xa0\x80 surrogate") == "??? surrogate");
  CHECK(safe_reason("") == "");

  std::string words;
  for (int i = 0; i < 100; ++i) words += "word" + std::to_string(i % 10) + " ";
  const std::string cut = safe_reason(words);
  CHECK(cut.size() <= kMaxReasonBytes);
  REQUIRE(cut.ends_with("..."));
  CHECK(std::isdigit(static_cast<unsigned char>(cut[cut.size() - 4])));  // a whole word before
  CHECK(safe_reason(cut) == cut);

  std::string accents;
  for (int i = 0; i < 200; ++i) accents += "\xc3\xa9 ";
  const std::string cut_accents = safe_reason(accents);
  CHECK(cut_accents.size() <= kMaxReasonBytes);
  CHECK(cut_accents.ends_with("\xc3\xa9..."));
  CHECK(safe_reason(cut_accents) == cut_accents);

  CHECK(safe_reason(std::string(1000, 'x')) == "...");  // no half words
}

TEST_CASE("safe_reason reads a huge message only as far as it could show, dropping a cut word",
          "[ai][failure_text]") {
  // One 1 MB word with a colon every other byte: once seconds of work on the upstream thread.
  std::string colons = "gemini: 429 RESOURCE_EXHAUSTED at h";
  while (colons.size() < (std::size_t{1} << 20)) colons += ":1";
  CHECK(safe_reason(colons) == "gemini: 429 RESOURCE_EXHAUSTED at...");

  std::string ratios;
  while (ratios.size() < (std::size_t{1} << 20)) ratios += "16:9 ";
  const std::string cut = safe_reason(ratios);
  CHECK(cut.size() <= kMaxReasonBytes);
  CHECK(cut.starts_with("16:9 16:9 16:9 "));
  CHECK(cut.ends_with(" 16:9..."));

  // Half a host is still a host.
  const std::string far = std::string(kMaxScannedBytes - 5, ' ') + "api.internal.example later";
  CHECK(safe_reason(far) == "...");
  CHECK(safe_reason(far.substr(far.size() - kMaxScannedBytes)) == "[redacted] later");
}

TEST_CASE("redact_secrets hides secret settings and URL user info, not the host",
          "[ai][failure_text]") {
  const std::map<std::string, std::string> settings = {
      {"model", "gemini-2.5-flash"},
      {"api_key", "AIza-test-secret-key"},
      {"base_url", "https://user:pa55@proxy.example:8443/gemini"},
      {"x_token", "abc"},  // too short to redact without eating words
  };
  CHECK(redact_secrets("gemini: echoed AIza-test-secret-key at proxy.example:8443 as user:pa55",
                       settings) ==
        "gemini: echoed [redacted] at proxy.example:8443 as [redacted]");
  CHECK(redact_secrets("gemini-2.5-flash said abc", settings) == "gemini-2.5-flash said abc");
}
