// The rules of API.md for entry fields, as pure functions the API layer validates with. Each
// returns the normalised value or a kInvalidInput Error naming `field` (e.g.
// "emotions[0].intensity"). Lengths count characters (code points), as API.md does.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/store/entries_repository.h"

namespace moodgate::services {

constexpr std::size_t kMaxSituationChars = 5000;
constexpr std::size_t kMaxThoughtsChars = 5000;
constexpr std::size_t kMinEmotions = 1;
constexpr std::size_t kMaxEmotions = 12;
constexpr std::size_t kMaxEmotionNameChars = 40;
constexpr int kMinScenarioCount = 1;
constexpr int kMaxScenarioCount = 10;

// Trimmed; 1..5000 characters, no U+0000 (in any of these texts).
Result<std::string> check_situation(std::string_view raw, std::string_view field = "situation");
// Trimmed; 0..5000 characters.
Result<std::string> check_thoughts(std::string_view raw, std::string_view field = "thoughts");
// Trimmed and lower-cased (ASCII letters; other scripts are kept as written); 1..40 characters,
// no control characters.
Result<std::string> normalize_emotion_name(std::string_view raw, std::string_view field);
// A finite number in [0, 1].
Result<double> check_intensity(double value, std::string_view field);
// 1..12 emotions with distinct names (`field` names the list, e.g. "emotions").
Status check_emotions(const std::vector<store::Emotion>& emotions, std::string_view field);

}  // namespace moodgate::services
