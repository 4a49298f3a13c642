#include "analysis.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace moodgate::mock {
namespace {

struct Token {
  std::string text;
  bool starts_clause;  // punctuation that ends a clause came before it
};

bool is_ascii_letter(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_clause_break(unsigned char c) {
  return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\n';
}

// The length of a typographic separator (U+2013 U+2014 U+2018 U+2019 U+201C U+201D U+2026) at
// `i`, or 0. `clause` says whether it ends a clause (dashes and the ellipsis do).
std::size_t typographic_separator(std::string_view text, std::size_t i, bool& clause) {
  if (i + 2 >= text.size() || static_cast<unsigned char>(text[i]) != 0xE2 ||
      static_cast<unsigned char>(text[i + 1]) != 0x80) {
    return 0;
  }
  switch (static_cast<unsigned char>(text[i + 2])) {
    case 0x93:
    case 0x94:
    case 0xA6:
      clause = true;
      return 3;
    case 0x98:
    case 0x99:
    case 0x9C:
    case 0x9D:
      clause = false;
      return 3;
    default:
      return 0;
  }
}

std::vector<Token> tokenise(std::string_view text) {
  std::vector<Token> tokens;
  std::string word;
  bool clause = false;
  auto flush = [&] {
    if (word.empty()) return;
    tokens.push_back({word, clause});
    word.clear();
    clause = false;
  };
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    bool separator_ends_clause = false;
    if (std::size_t n = typographic_separator(text, i, separator_ends_clause); n > 0) {
      flush();
      clause = clause || separator_ends_clause;
      i += n;
    } else if (is_ascii_letter(c)) {
      word += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      ++i;
    } else if (c >= 0x80) {
      word += static_cast<char>(c);
      ++i;
    } else {
      flush();
      clause = clause || is_clause_break(c);
      ++i;
    }
  }
  flush();
  return tokens;
}

constexpr std::array<std::string_view, 18> kNegators = {
    "not",  "no",    "never",  "nor",  "neither", "without", "hardly", "barely", "cannot",
    "dont", "didnt", "doesnt", "isnt", "wasnt",   "cant",    "wont",   "aint",   "nothing"};

// Stems that "'t" turns into a negation once the apostrophe has split the word.
constexpr std::array<std::string_view, 18> kNotStems = {
    "don", "doesn",  "didn",    "isn",   "aren", "wasn", "weren", "can",   "couldn",
    "won", "wouldn", "shouldn", "haven", "hasn", "hadn", "ain",   "mustn", "needn"};

constexpr std::array<std::string_view, 14> kIntensifiers = {
    "very",  "really",  "so",         "extremely", "incredibly", "deeply", "truly",
    "super", "totally", "completely", "utterly",   "absolutely", "too",    "quite"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& words, std::string_view word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

bool is_negator(const std::vector<Token>& tokens, std::size_t i) {
  const std::string& word = tokens[i].text;
  if (contains(kNegators, word)) return true;
  return word == "t" && i > 0 && !tokens[i].starts_clause &&
         contains(kNotStems, tokens[i - 1].text);
}

constexpr int kNegationReach = 3;  // a negator reaches this many words ahead, within its clause
constexpr double kNegationFactor = 0.6;  // "not happy" is milder than "sad"
constexpr double kIntensifierFactor = 1.3;

double round2(double x) {
  return std::round(x * 100) / 100;
}

}  // namespace

std::string_view sentiment_name(Sentiment sentiment) {
  switch (sentiment) {
    case Sentiment::kPositive:
      return "positive";
    case Sentiment::kNegative:
      return "negative";
    case Sentiment::kNeutral:
      return "neutral";
    case Sentiment::kMixed:
      return "mixed";
  }
  return "neutral";
}

Analysis analyse(std::string_view text) {
  Analysis analysis;
  std::vector<Token> tokens = tokenise(text);
  double positive_mass = 0;
  double negative_mass = 0;
  std::vector<std::pair<Emotion, double>> mass_by_emotion;  // in order of first appearance
  int negation_left = 0;
  bool boost = false;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].starts_clause) negation_left = 0;
    if (is_negator(tokens, i)) {
      negation_left = kNegationReach;
      boost = false;
      continue;
    }
    bool boosted = boost;
    boost = contains(kIntensifiers, tokens[i].text);
    std::optional<LexiconEntry> entry = lookup_word(tokens[i].text);
    bool negated = negation_left > 0;
    if (negation_left > 0) --negation_left;
    if (!entry) continue;
    negation_left = 0;

    Hit hit{tokens[i].text, entry->emotion, entry->weight};
    if (boosted) hit.weight = std::clamp(hit.weight * kIntensifierFactor, -1.0, 1.0);
    if (negated) {
      hit.phrase = "not " + hit.phrase;
      hit.emotion = is_positive(entry->emotion) ? Emotion::kSadness : Emotion::kRelief;
      hit.weight = -hit.weight * kNegationFactor;
    }
    hit.weight = round2(hit.weight);
    (hit.weight > 0 ? analysis.positive_count : analysis.negative_count) += 1;
    (hit.weight > 0 ? positive_mass : negative_mass) += std::abs(hit.weight);
    auto slot = std::find_if(mass_by_emotion.begin(), mass_by_emotion.end(),
                             [&](const auto& m) { return m.first == hit.emotion; });
    if (slot == mass_by_emotion.end()) {
      mass_by_emotion.emplace_back(hit.emotion, std::abs(hit.weight));
    } else {
      slot->second += std::abs(hit.weight);
    }
    bool seen = std::any_of(analysis.highlights.begin(), analysis.highlights.end(),
                            [&](const Hit& h) { return h.phrase == hit.phrase; });
    if (!seen) analysis.highlights.push_back(std::move(hit));
  }

  std::stable_sort(mass_by_emotion.begin(), mass_by_emotion.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [emotion, mass] : mass_by_emotion) analysis.emotions.push_back(emotion);

  analysis.score = round2((positive_mass - negative_mass) / (positive_mass + negative_mass + 1));
  if (positive_mass == 0 && negative_mass == 0) {
    analysis.sentiment = Sentiment::kNeutral;
  } else if (std::min(positive_mass, negative_mass) >=
             0.5 * std::max(positive_mass, negative_mass)) {
    analysis.sentiment = Sentiment::kMixed;
  } else if (analysis.score >= 0.1) {
    analysis.sentiment = Sentiment::kPositive;
  } else if (analysis.score <= -0.1) {
    analysis.sentiment = Sentiment::kNegative;
  } else {
    analysis.sentiment =
        positive_mass > 0 && negative_mass > 0 ? Sentiment::kMixed : Sentiment::kNeutral;
  }
  return analysis;
}

std::string describe(const Analysis& analysis) {
  if (analysis.highlights.empty()) return "A neutral entry with no strong emotion words.";
  std::string out = "A " + std::string(sentiment_name(analysis.sentiment)) + " entry in which ";
  std::size_t shown = std::min<std::size_t>(analysis.highlights.size(), 3);
  for (std::size_t i = 0; i < shown; ++i) {
    if (i > 0) out += i + 1 == shown ? " and " : ", ";
    out += analysis.highlights[i].phrase;
  }
  out += shown == 1 ? " stands out." : " stand out.";
  return out;
}

std::string first_sentence(std::string_view text, std::size_t max_bytes) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  std::size_t begin = 0;
  while (begin < text.size() && is_space(text[begin])) ++begin;
  std::size_t end = begin;
  while (end < text.size() && text[end] != '\n') {
    char c = text[end++];
    if (c == '.' || c == '!' || c == '?') break;
  }
  while (end > begin && is_space(text[end - 1])) --end;
  std::string sentence(text.substr(begin, end - begin));
  if (sentence.size() <= max_bytes) return sentence;
  std::size_t cut = max_bytes >= 3 ? max_bytes - 3 : 0;
  // Back up over UTF-8 continuation bytes so a character is never split.
  while (cut > 0 && (static_cast<unsigned char>(sentence[cut]) & 0xC0) == 0x80) --cut;
  return sentence.substr(0, cut) + "...";
}

}  // namespace moodgate::mock
