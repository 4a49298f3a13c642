// The mock provider's built-in English emotion lexicon: a few hundred words, each with the
// emotion family it belongs to and a weight. Families carry a polarity (joy is positive, fear
// negative) and a colour the painter uses. Immutable; safe from any thread.
#pragma once

#include <optional>
#include <string_view>

namespace moodgate::mock {

enum class Emotion {
  kJoy,
  kCalm,
  kLove,
  kHope,
  kPride,
  kGratitude,
  kExcitement,
  kRelief,
  kSadness,
  kFear,
  kAnger,
  kLoneliness,
  kStress,
  kFatigue,
  kGuilt,
};

struct Rgb {
  double r = 0;
  double g = 0;
  double b = 0;
};

struct LexiconEntry {
  Emotion emotion;
  double weight;  // signed: > 0 for positive words, < 0 for negative ones; |weight| <= 1
};

// The entry for a lower-cased word, or nothing when the lexicon does not know it.
std::optional<LexiconEntry> lookup_word(std::string_view word);

// Whether the family is a pleasant one (its words have positive weights).
bool is_positive(Emotion emotion);

// The family as an adjective for prose ("anxious" for kFear).
std::string_view emotion_name(Emotion emotion);

// The colour the painter uses for the family (components 0..255).
Rgb emotion_colour(Emotion emotion);

}  // namespace moodgate::mock
