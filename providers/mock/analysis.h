// What the mock provider reads in a text: the lexicon words it holds (with simple negation and
// intensifiers), the overall sentiment, and the emotion families in order of weight. Pure
// functions of the text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lexicon.h"

namespace moodgate::mock {

enum class Sentiment { kPositive, kNegative, kNeutral, kMixed };

// "positive", "negative", "neutral", "mixed".
std::string_view sentiment_name(Sentiment sentiment);

// One lexicon word found in the text.
struct Hit {
  std::string phrase;  // the word as written, or "not <word>" when negated
  Emotion emotion;     // a negated word counts as sadness (if pleasant) or relief (if not)
  double weight;       // signed, |weight| <= 1
};

struct Analysis {
  std::vector<Hit> highlights;  // distinct phrases, in the order they first appear
  int positive_count = 0;       // every occurrence counts, repeated words too
  int negative_count = 0;
  double score = 0;                           // -1..1, rounded to two decimals
  Sentiment sentiment = Sentiment::kNeutral;  // kNeutral when no word was found
  std::vector<Emotion> emotions;              // families found, heaviest first
};

// Lower-cases ASCII letters and splits on everything else; bytes >= 0x80 belong to words
// (except typographic quotes, dashes and the ellipsis, which separate like their ASCII kin).
Analysis analyse(std::string_view text);

// "A negative entry in which anxious and tired stand out." One sentence, never empty.
std::string describe(const Analysis& analysis);

// The first sentence of `text`, trimmed and cut to at most `max_bytes` on a UTF-8 boundary
// (with "..." when cut); empty when the text holds no words.
std::string first_sentence(std::string_view text, std::size_t max_bytes);

}  // namespace moodgate::mock
