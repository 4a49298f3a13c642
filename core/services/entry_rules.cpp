#include "core/services/entry_rules.h"

#include <cmath>

#include "core/common/text.h"

namespace moodgate::services {
namespace {

// Trimmed `raw` of min_chars..max_chars characters, or the error naming `field`.
Result<std::string> bounded_text(std::string_view raw, std::string_view field, const char* label,
                                 std::size_t min_chars, std::size_t max_chars) {
  const std::string f(field);
  const std::string_view trimmed = text::trim(raw);
  const auto chars = text::utf8_length(trimmed);
  if (!chars) return Error::invalid_input(std::string(label) + " must be valid UTF-8", f);
  // PostgreSQL text cannot hold U+0000 (the driver cuts the value there) and SQLite can: refuse
  // it rather than store something other than what was sent, or differently per backend.
  if (trimmed.find('\0') != std::string_view::npos) {
    return Error::invalid_input(std::string(label) + " must not contain NUL characters", f);
  }
  if (*chars < min_chars) return Error::invalid_input(std::string(label) + " must not be empty", f);
  if (*chars > max_chars) {
    Error e = Error::invalid_input(
        std::string(label) + " must be at most " + std::to_string(max_chars) + " characters", f);
    e.with("max_length", static_cast<long long>(max_chars));
    return e;
  }
  return std::string(trimmed);
}

}  // namespace

Result<std::string> check_situation(std::string_view raw, std::string_view field) {
  return bounded_text(raw, field, "Situation", 1, kMaxSituationChars);
}

Result<std::string> check_thoughts(std::string_view raw, std::string_view field) {
  return bounded_text(raw, field, "Thoughts", 0, kMaxThoughtsChars);
}

Result<std::string> normalize_emotion_name(std::string_view raw, std::string_view field) {
  auto name = bounded_text(raw, field, "Emotion name", 1, kMaxEmotionNameChars);
  if (!name) return name;
  if (text::has_control(*name)) {
    return Error::invalid_input("Emotion name must not contain control characters",
                                std::string(field));
  }
  return text::ascii_lower(*name);
}

Result<double> check_intensity(double value, std::string_view field) {
  if (!std::isfinite(value) || value < 0 || value > 1) {
    Error e = Error::invalid_input("Emotion intensity must be between 0 and 1", std::string(field));
    if (std::isfinite(value)) e.with("value", value);
    return e;
  }
  return value;
}

Status check_emotions(const std::vector<store::Emotion>& emotions, std::string_view field) {
  const std::string f(field);
  if (emotions.size() < kMinEmotions || emotions.size() > kMaxEmotions) {
    return Error::invalid_input("Name 1 to 12 emotions", f);
  }
  for (std::size_t i = 0; i < emotions.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (emotions[i].name == emotions[j].name) {
        return Error::invalid_input("Emotion \"" + emotions[i].name + "\" is named twice",
                                    f + "[" + std::to_string(i) + "].name");
      }
    }
  }
  return {};
}

}  // namespace moodgate::services
