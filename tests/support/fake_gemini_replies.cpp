// The canned replies of FakeGemini, in Gemini's wire format (gemini.md), and the base64 encoder.
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <atomic>
#include <string>

#include "tests/support/fake_gemini.h"

namespace moodgate::testing {
namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

// Google pretty-prints its answers with two spaces.
struct GoogleWriter : Writer {
  explicit GoogleWriter(rapidjson::StringBuffer& buffer) : PrettyWriter(buffer) {
    SetIndent(' ', 2);
  }
};

constexpr char kTinyPng[] =
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00"
    "\x01\x08\x02\x00\x00\x00\x90\x77\x53\xde\x00\x00\x00\x0c\x49\x44\x41\x54\x78\xda\x63\xf8\x7f"
    "\x82\x01\x00\x04\x91\x01\xc8\xcc\x46\xea\xda\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";
// Another 1x1 PNG (a blue pixel), for a thought image when the final image is tiny_png().
constexpr char kOtherTinyPng[] =
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00"
    "\x01\x08\x02\x00\x00\x00\x90\x77\x53\xde\x00\x00\x00\x0c\x49\x44\x41\x54\x78\xda\x63\xd0\x88"
    "\x3a\x01\x00\x01\xf8\x01\x4b\x17\x32\x04\xf2\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

void field(Writer& w, const char* name, const std::string& value) {
  w.Key(name);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
void field(Writer& w, const char* name, long long value) {
  w.Key(name);
  w.Int64(value);
}

// Real responseIds are opaque base64url-ish strings; ours are unique and recognisable.
std::string next_response_id() {
  static std::atomic<unsigned long long> counter{0};
  return "fakeResponse" + std::to_string(++counter);
}

FakeGeminiReply json_reply(int status, const rapidjson::StringBuffer& body) {
  FakeGeminiReply reply;
  reply.status = status;
  reply.headers = {{"Content-Type", "application/json; charset=UTF-8"}};
  reply.body = std::string(body.GetString(), body.GetSize());
  return reply;
}

struct Usage {
  long long prompt = 10;
  long long candidates = 0;
  long long thoughts = 0;
  long long image = 0;  // image tokens among `candidates`
};

// "<key>": [{"modality": ..., "tokenCount": ...}], as Gemini breaks token counts down.
void write_token_details(Writer& w, const char* key, const char* modality, long long count) {
  w.Key(key);
  w.StartArray();
  w.StartObject();
  field(w, "modality", std::string(modality));
  field(w, "tokenCount", count);
  w.EndObject();
  w.EndArray();
}

void write_usage(Writer& w, const Usage& u) {
  w.Key("usageMetadata");
  w.StartObject();
  field(w, "promptTokenCount", u.prompt);
  if (u.candidates > 0) field(w, "candidatesTokenCount", u.candidates);
  field(w, "totalTokenCount", u.prompt + u.candidates + u.thoughts);
  write_token_details(w, "promptTokensDetails", "TEXT", u.prompt);
  if (u.image > 0) write_token_details(w, "candidatesTokensDetails", "IMAGE", u.image);
  if (u.thoughts > 0) field(w, "thoughtsTokenCount", u.thoughts);
  w.EndObject();
}

void write_text_part(Writer& w, const std::string& text, bool thought) {
  w.StartObject();
  field(w, "text", text);
  if (thought) {
    w.Key("thought");
    w.Bool(true);
  }
  w.EndObject();
}

void write_image_part(Writer& w, const std::string& bytes, const std::string& mime, bool thought) {
  w.StartObject();
  w.Key("inlineData");
  w.StartObject();
  field(w, "mimeType", mime);
  field(w, "data", base64_encode(bytes));
  w.EndObject();
  if (thought) {
    w.Key("thought");
    w.Bool(true);
  }
  w.EndObject();
}

// Opens {"candidates": [{"content": {"parts": [ ... the caller writes the parts.
void begin_candidate(Writer& w) {
  w.StartObject();
  w.Key("candidates");
  w.StartArray();
  w.StartObject();
  w.Key("content");
  w.StartObject();
  w.Key("parts");
  w.StartArray();
}

// Closes what begin_candidate() opened and adds finishReason, usage and the model.
void end_candidate(Writer& w, const Usage& usage, const std::string& model) {
  w.EndArray();
  field(w, "role", std::string("model"));
  w.EndObject();
  field(w, "finishReason", std::string("STOP"));
  field(w, "index", 0LL);
  w.EndObject();
  w.EndArray();
  write_usage(w, usage);
  field(w, "modelVersion", model);
  field(w, "responseId", next_response_id());
  w.EndObject();
}

void write_error_head(Writer& w, int code, const std::string& message, const std::string& status) {
  w.StartObject();
  w.Key("error");
  w.StartObject();
  field(w, "code", code);
  field(w, "message", message);
  field(w, "status", status);
}

}  // namespace

std::string base64_encode(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const auto n = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16 |
                   static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                   static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 2]));
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += kAlphabet[n >> 6 & 63];
    out += kAlphabet[n & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned n = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) n |= static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += rest == 2 ? kAlphabet[n >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

std::string tiny_png() {
  return std::string(kTinyPng, sizeof kTinyPng - 1);
}

FakeGeminiReply text_reply(const std::string& text, long long prompt_tokens,
                           long long output_tokens, long long thought_tokens,
                           const std::string& model) {
  rapidjson::StringBuffer buffer;
  GoogleWriter w(buffer);
  begin_candidate(w);
  write_text_part(w, text, false);
  end_candidate(w, {prompt_tokens, output_tokens, thought_tokens, 0}, model);
  return json_reply(200, buffer);
}

FakeGeminiReply text_reply_with_thoughts(const std::string& thought, const std::string& text) {
  rapidjson::StringBuffer buffer;
  GoogleWriter w(buffer);
  begin_candidate(w);
  write_text_part(w, thought, true);
  write_text_part(w, text, false);
  end_candidate(w, {10, 20, 30, 0}, "gemini-2.5-flash");
  return json_reply(200, buffer);
}

FakeGeminiReply image_reply(const std::string& png_bytes, const std::string& mime,
                            bool with_thought_image_first, const std::string& model) {
  rapidjson::StringBuffer buffer;
  GoogleWriter w(buffer);
  begin_candidate(w);
  Usage usage{10, 1298, 0, 1290};
  if (with_thought_image_first) {
    const std::string draft =
        png_bytes == tiny_png() ? std::string(kOtherTinyPng, sizeof kOtherTinyPng - 1) : tiny_png();
    write_text_part(w, "**Sketching the composition**\n\nI'm drafting a first version.", true);
    write_image_part(w, draft, "image/png", true);
    usage.thoughts = 250;
  }
  write_text_part(w, "Here is the image you asked for.", false);
  write_image_part(w, png_bytes, mime, false);
  end_candidate(w, usage, model);
  return json_reply(200, buffer);
}

FakeGeminiReply error_reply(int http_status, const std::string& status,
                            const std::string& message) {
  rapidjson::StringBuffer buffer;
  GoogleWriter w(buffer);
  write_error_head(w, http_status, message, status);
  w.EndObject();
  w.EndObject();
  return json_reply(http_status, buffer);
}

FakeGeminiReply rate_limited_reply(const std::string& retry_delay) {
  rapidjson::StringBuffer buffer;
  GoogleWriter w(buffer);
  write_error_head(w, 429,
                   "You exceeded your current quota, please check your plan and billing details. "
                   "For more information on this error, head to: "
                   "https://ai.google.dev/gemini-api/docs/rate-limits.\n* Quota exceeded for "
                   "metric: generativelanguage.googleapis.com/"
                   "generate_content_free_tier_input_token_count, limit: 250000, model: "
                   "gemini-2.5-flash\nPlease retry in " +
                       retry_delay + ".",
                   "RESOURCE_EXHAUSTED");
  w.Key("details");
  w.StartArray();
  w.StartObject();
  field(w, "@type", std::string("type.googleapis.com/google.rpc.QuotaFailure"));
  w.Key("violations");
  w.StartArray();
  w.StartObject();
  field(w, "quotaMetric",
        std::string(
            "generativelanguage.googleapis.com/generate_content_free_tier_input_token_count"));
  field(w, "quotaId", std::string("GenerateContentInputTokensPerModelPerMinute-FreeTier"));
  w.Key("quotaDimensions");
  w.StartObject();
  field(w, "location", std::string("global"));
  field(w, "model", std::string("gemini-2.5-flash"));
  w.EndObject();
  field(w, "quotaValue", std::string("250000"));
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.StartObject();
  field(w, "@type", std::string("type.googleapis.com/google.rpc.RetryInfo"));
  field(w, "retryDelay", retry_delay);
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.EndObject();
  return json_reply(429, buffer);
}

FakeGeminiReply model_not_found_reply(const std::string& model) {
  return error_reply(404, "NOT_FOUND",
                     "models/" + model +
                         " is not found for API version v1beta, or is not supported for "
                         "generateContent. Call ListModels to see the list of available models "
                         "and their supported methods.");
}

FakeGeminiReply blocked_prompt_reply() {
  rapidjson::StringBuffer buffer;
  GoogleWriter w(buffer);
  w.StartObject();
  w.Key("promptFeedback");
  w.StartObject();
  field(w, "blockReason", std::string("SAFETY"));
  w.Key("safetyRatings");
  w.StartArray();
  const std::pair<std::string, std::string> ratings[] = {
      {"HARM_CATEGORY_HARASSMENT", "HIGH"}, {"HARM_CATEGORY_DANGEROUS_CONTENT", "NEGLIGIBLE"}};
  for (const auto& [category, probability] : ratings) {
    w.StartObject();
    field(w, "category", category);
    field(w, "probability", probability);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  write_usage(w, {10, 0, 0, 0});
  field(w, "modelVersion", std::string("gemini-2.5-flash"));
  field(w, "responseId", next_response_id());
  w.EndObject();
  return json_reply(200, buffer);
}

FakeGeminiReply finish_reason_reply(const std::string& finish_reason) {
  rapidjson::StringBuffer buffer;
  GoogleWriter w(buffer);
  w.StartObject();
  w.Key("candidates");
  w.StartArray();
  w.StartObject();
  w.Key("content");
  w.StartObject();
  w.EndObject();
  field(w, "finishReason", finish_reason);
  field(w, "index", 0LL);
  w.EndObject();
  w.EndArray();
  write_usage(w, {10, 0, 0, 0});
  field(w, "modelVersion", std::string("gemini-2.5-flash"));
  field(w, "responseId", next_response_id());
  w.EndObject();
  return json_reply(200, buffer);
}

FakeGeminiReply malformed_json_reply() {
  FakeGeminiReply reply;
  reply.headers = {{"Content-Type", "application/json; charset=UTF-8"}};
  reply.body =
      "{\n  \"candidates\": [\n    {\n      \"content\": {\n        \"parts\": [\n"
      "          {\n            \"text\": \"The answer was cut off her";
  return reply;
}

}  // namespace moodgate::testing
