// Writes FakeGemini's canned replies (tests/support/fake_gemini_replies.cpp, Gemini's wire format)
// as seed files for the plugin fuzz targets, each prefixed with the two choice bytes those
// targets read (status, flags; see fuzz/support/reply_status.h and fuzz_plugin.h). Run by
// fuzz/tools/make_seeds.sh.
#include <cstdio>
#include <fstream>
#include <string>

#include "fuzz/support/reply_status.h"
#include "tests/support/fake_gemini.h"

namespace {

using namespace moodgate::testing;

// flags '1': structured JSON was asked for; '2': `retry_after` is sent as a Retry-After header.
void write(const std::string& dir, const std::string& name, const FakeGeminiReply& reply,
           char flags = '0', const std::string& retry_after = "") {
  std::ofstream out(dir + "/" + name, std::ios::binary);
  out << moodgate::fuzz::status_choice(reply.status) << flags;
  if (flags == '2') out << retry_after << '\n';
  out << reply.body;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s GEMINI_CORPUS_DIR NANO_BANANA_CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const std::string text = argv[1];
  const std::string image = argv[2];
  const std::string analysis =
      R"({"summary": "You felt torn between dread and hope.", "sentiment": "mixed",)"
      R"( "sentiment_score": -0.25, "highlights": [{"text": "not ready", "polarity": "negative"}],)"
      R"( "positive_count": 1, "negative_count": 2})";
  write(text, "text_reply", text_reply("You sound calm today."));
  write(text, "text_reply_structured", text_reply(analysis, 100, 50), '1');
  write(text, "text_reply_with_thoughts",
        text_reply_with_thoughts("**Weighing the mood**", "A calm, grateful day."));
  write(text, "rate_limited", rate_limited_reply("26s"));
  write(text, "rate_limited_retry_after_header", rate_limited_reply("1.203608125s"), '2', "120");
  write(text, "model_not_found", model_not_found_reply("gemini-9-ultra"));
  write(text, "api_key_invalid",
        error_reply(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key."));
  write(text, "permission_denied",
        error_reply(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers."));
  write(text, "overloaded", error_reply(503, "UNAVAILABLE", "The model is overloaded."));
  write(text, "deadline", error_reply(504, "DEADLINE_EXCEEDED", "Deadline expired."));
  write(text, "internal", error_reply(500, "INTERNAL", "An internal error has occurred."));
  write(text, "blocked_prompt", blocked_prompt_reply());
  write(text, "finish_safety", finish_reason_reply("SAFETY"));
  write(text, "finish_max_tokens", finish_reason_reply("MAX_TOKENS"), '1');
  write(text, "malformed_json", malformed_json_reply());

  write(image, "image_reply", image_reply(tiny_png()));
  write(image, "image_reply_jpeg_type", image_reply(tiny_png(), "image/jpeg"));
  write(image, "image_reply_thought_first", image_reply(tiny_png(), "image/png", true));
  write(image, "finish_image_safety", finish_reason_reply("IMAGE_SAFETY"));
  write(image, "finish_no_image", finish_reason_reply("NO_IMAGE"));
  write(image, "text_only", text_reply("I cannot draw that, here is a poem instead."));
  write(image, "rate_limited", rate_limited_reply("3s"), '2', " 7 ");
  write(image, "blocked_prompt", blocked_prompt_reply());
  write(image, "malformed_json", malformed_json_reply());
  return 0;
}
