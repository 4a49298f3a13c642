#include "lexicon.h"

#include <span>
#include <string_view>
#include <unordered_map>

namespace moodgate::mock {
namespace {

// A word and how strongly it speaks for its family (0..1); the family gives the sign.
struct WordWeight {
  std::string_view word;
  double weight;
};

// Words are listed by family. A word that could as easily be neutral ("down", "like", "hard",
// "won" as in "won't") is left out on purpose: a false highlight reads worse than a missed one.
constexpr WordWeight kJoy[] = {
    {"happy", .8},     {"happier", .8},   {"happiest", .9},     {"happiness", .8},
    {"joy", .9},       {"joyful", .9},    {"glad", .7},         {"cheerful", .7},
    {"delighted", .9}, {"elated", .9},    {"ecstatic", 1},      {"overjoyed", 1},
    {"pleased", .6},   {"fun", .6},       {"smile", .5},        {"smiled", .5},
    {"smiling", .5},   {"laugh", .6},     {"laughed", .6},      {"laughing", .6},
    {"wonderful", .8}, {"great", .6},     {"good", .5},         {"nice", .4},
    {"amazing", .8},   {"awesome", .7},   {"fantastic", .8},    {"enjoy", .6},
    {"enjoyed", .6},   {"enjoying", .6},  {"lighthearted", .6}, {"beautiful", .6},
    {"best", .6},      {"celebrate", .7}, {"celebrated", .7},   {"yay", .5},
};
constexpr WordWeight kCalm[] = {
    {"calm", .6},     {"calmer", .6},      {"calmed", .5},   {"peaceful", .7}, {"peace", .6},
    {"relaxed", .6},  {"relaxing", .5},    {"relax", .4},    {"serene", .7},   {"content", .5},
    {"tranquil", .7}, {"rested", .5},      {"centered", .5}, {"grounded", .5}, {"balanced", .4},
    {"settled", .4},  {"comfortable", .5}, {"cozy", .5},     {"ease", .4},     {"gentle", .3},
    {"soothed", .5},  {"mindful", .4},
};
constexpr WordWeight kLove[] = {
    {"love", .9},       {"loved", .9},     {"loving", .8},       {"lovely", .7},
    {"adore", .8},      {"affection", .7}, {"affectionate", .7}, {"caring", .6},
    {"cared", .5},      {"warm", .4},      {"warmth", .5},       {"connected", .6},
    {"cherished", .8},  {"tender", .5},    {"hug", .5},          {"hugged", .5},
    {"kindness", .6},   {"romantic", .6},  {"friendship", .5},   {"supported", .6},
    {"supportive", .6}, {"belonging", .6}, {"accepted", .6},     {"understood", .5},
    {"valued", .6},
};
constexpr WordWeight kHope[] = {
    {"hope", .6},       {"hoped", .5},      {"hopeful", .7},  {"hoping", .5},    {"optimistic", .7},
    {"optimism", .7},   {"encouraged", .6}, {"inspired", .7}, {"inspiring", .6}, {"motivated", .6},
    {"determined", .5}, {"promising", .5},  {"brighter", .5}, {"bright", .4},    {"renewed", .5},
    {"faith", .5},      {"trust", .4},      {"courage", .6},  {"brave", .6},     {"strong", .5},
    {"resilient", .6},
};
constexpr WordWeight kPride[] = {
    {"proud", .8},        {"pride", .7},       {"confident", .7}, {"confidence", .6},
    {"accomplished", .8}, {"achievement", .7}, {"achieved", .7},  {"succeeded", .7},
    {"success", .7},      {"successful", .7},  {"capable", .6},   {"competent", .5},
    {"worthy", .6},       {"empowered", .7},   {"satisfied", .6}, {"fulfilled", .8},
    {"productive", .5},   {"progress", .5},    {"praised", .6},   {"recognized", .5},
    {"victory", .7},      {"ready", .4},       {"prepared", .4},
};
constexpr WordWeight kGratitude[] = {
    {"grateful", .8}, {"gratitude", .8},   {"thankful", .8},   {"thanks", .4},
    {"thank", .4},    {"appreciated", .7}, {"appreciate", .6}, {"appreciative", .7},
    {"blessed", .7},  {"lucky", .6},       {"fortunate", .6},  {"touched", .5},
};
constexpr WordWeight kExcitement[] = {
    {"excited", .8},    {"exciting", .7},     {"excitement", .8}, {"thrilled", .9},
    {"eager", .6},      {"enthusiastic", .8}, {"energized", .7},  {"energetic", .6},
    {"alive", .5},      {"adventurous", .5},  {"pumped", .6},     {"giddy", .6},
    {"curious", .4},    {"amazed", .7},       {"awe", .6},        {"wow", .5},
    {"passionate", .7}, {"playful", .5},
};
constexpr WordWeight kRelief[] = {
    {"relieved", .7},   {"relief", .7}, {"safe", .5},     {"secure", .5},  {"reassured", .6},
    {"unburdened", .6}, {"freed", .6},  {"free", .4},     {"lighter", .5}, {"okay", .2},
    {"ok", .2},         {"better", .4}, {"resolved", .5}, {"healed", .6},  {"recovered", .5},
};
constexpr WordWeight kSadness[] = {
    {"sad", .8},          {"sadder", .8},        {"saddest", .9},        {"sadness", .8},
    {"unhappy", .8},      {"depressed", .9},     {"depression", .8},     {"miserable", .9},
    {"misery", .9},       {"grief", .9},         {"grieving", .9},       {"heartbroken", 1},
    {"hurt", .7},         {"hurting", .7},       {"pain", .7},           {"painful", .7},
    {"cry", .6},          {"cried", .6},         {"crying", .6},         {"tears", .6},
    {"disappointed", .7}, {"disappointing", .6}, {"disappointment", .7}, {"gloomy", .6},
    {"hopeless", .9},     {"despair", 1},        {"sorrow", .8},         {"upset", .7},
    {"lost", .5},         {"loss", .6},          {"empty", .7},          {"numb", .6},
    {"devastated", 1},    {"crushed", .8},       {"broken", .7},         {"mourning", .8},
    {"melancholy", .6},   {"awful", .7},         {"terrible", .8},       {"horrible", .8},
    {"bad", .5},          {"worse", .6},         {"worst", .8},
};
constexpr WordWeight kFear[] = {
    {"anxious", .8},    {"anxiety", .8},      {"afraid", .8},     {"scared", .8},
    {"scary", .7},      {"fear", .8},         {"fearful", .8},    {"frightened", .8},
    {"terrified", 1},   {"nervous", .6},      {"worried", .7},    {"worry", .6},
    {"worrying", .6},   {"worries", .6},      {"panic", .9},      {"panicked", .9},
    {"panicking", .9},  {"uneasy", .5},       {"insecure", .6},   {"dread", .9},
    {"dreading", .8},   {"apprehensive", .5}, {"restless", .5},   {"paranoid", .7},
    {"threatened", .7}, {"unsafe", .7},       {"vulnerable", .5}, {"shaky", .5},
    {"shaking", .5},    {"jittery", .5},      {"confused", .4},   {"uncertain", .4},
    {"unsure", .4},     {"doubt", .4},        {"doubtful", .5},   {"helpless", .8},
    {"powerless", .7},  {"unprepared", .5},
};
constexpr WordWeight kAnger[] = {
    {"angry", .8},       {"anger", .8},       {"furious", 1},    {"fury", 1},
    {"mad", .7},         {"rage", 1},         {"raging", .9},    {"irritated", .6},
    {"irritating", .5},  {"annoyed", .5},     {"annoying", .5},  {"frustrated", .7},
    {"frustrating", .6}, {"frustration", .7}, {"resentful", .7}, {"resentment", .7},
    {"bitter", .6},      {"hate", .9},        {"hated", .9},     {"hatred", .9},
    {"hostile", .7},     {"outraged", .9},    {"livid", 1},      {"enraged", 1},
    {"agitated", .6},    {"offended", .6},    {"disgusted", .8}, {"disgust", .8},
    {"jealous", .6},     {"envious", .5},     {"betrayed", .9},  {"cheated", .7},
    {"unfair", .6},      {"insulted", .7},    {"infuriated", 1}, {"grumpy", .4},
};
constexpr WordWeight kLoneliness[] = {
    {"lonely", .8},    {"loneliness", .8},   {"alone", .5},     {"isolated", .7},
    {"isolation", .7}, {"abandoned", .9},    {"rejected", .8},  {"rejection", .8},
    {"excluded", .7},  {"ignored", .6},      {"unwanted", .8},  {"unloved", .9},
    {"invisible", .6}, {"disconnected", .6}, {"forgotten", .6}, {"misunderstood", .6},
    {"homesick", .6},  {"distant", .4},
};
constexpr WordWeight kStress[] = {
    {"stressed", .7},     {"stress", .6},     {"stressful", .7},  {"overwhelmed", .8},
    {"overwhelming", .7}, {"pressure", .5},   {"pressured", .6},  {"tense", .6},
    {"tension", .5},      {"burnout", .8},    {"hectic", .5},     {"rushed", .5},
    {"swamped", .6},      {"overloaded", .6}, {"frantic", .7},    {"chaotic", .5},
    {"struggling", .6},   {"struggle", .5},   {"difficult", .4},  {"trapped", .7},
    {"stuck", .5},        {"deadline", .3},   {"overworked", .7}, {"strained", .6},
};
constexpr WordWeight kFatigue[] = {
    {"tired", .6},     {"exhausted", .8}, {"exhaustion", .8}, {"drained", .7},
    {"weary", .6},     {"sleepy", .3},    {"fatigued", .7},   {"worn", .5},
    {"sluggish", .5},  {"bored", .4},     {"boring", .4},     {"unmotivated", .6},
    {"apathetic", .6}, {"listless", .5},  {"sick", .5},       {"ill", .4},
};
constexpr WordWeight kGuilt[] = {
    {"guilty", .7},   {"guilt", .7},       {"ashamed", .8},      {"shame", .8},
    {"shameful", .8}, {"embarrassed", .6}, {"embarrassing", .6}, {"humiliated", .9},
    {"regret", .7},   {"regretful", .7},   {"remorse", .7},      {"sorry", .4},
    {"foolish", .5},  {"stupid", .6},      {"worthless", .9},    {"failure", .7},
    {"failed", .6},   {"inadequate", .7},  {"useless", .7},      {"blame", .5},
    {"blamed", .6},   {"awkward", .4},
};

struct Family {
  Emotion emotion;
  bool positive;
  std::string_view name;
  Rgb colour;
  std::span<const WordWeight> words;
};

// Indexed by Emotion.
constexpr Family kFamilies[] = {
    {Emotion::kJoy, true, "happy", {250, 210, 70}, kJoy},
    {Emotion::kCalm, true, "calm", {130, 180, 230}, kCalm},
    {Emotion::kLove, true, "loved", {240, 130, 170}, kLove},
    {Emotion::kHope, true, "hopeful", {110, 200, 120}, kHope},
    {Emotion::kPride, true, "proud", {240, 170, 60}, kPride},
    {Emotion::kGratitude, true, "grateful", {245, 185, 120}, kGratitude},
    {Emotion::kExcitement, true, "excited", {255, 140, 50}, kExcitement},
    {Emotion::kRelief, true, "relieved", {120, 210, 190}, kRelief},
    {Emotion::kSadness, false, "sad", {40, 60, 140}, kSadness},
    {Emotion::kFear, false, "anxious", {120, 70, 160}, kFear},
    {Emotion::kAnger, false, "angry", {200, 40, 40}, kAnger},
    {Emotion::kLoneliness, false, "lonely", {90, 100, 130}, kLoneliness},
    {Emotion::kStress, false, "stressed", {170, 80, 110}, kStress},
    {Emotion::kFatigue, false, "tired", {140, 140, 150}, kFatigue},
    {Emotion::kGuilt, false, "guilty", {130, 110, 60}, kGuilt},
};

const Family& family(Emotion emotion) {
  return kFamilies[static_cast<int>(emotion)];
}

const std::unordered_map<std::string_view, LexiconEntry>& words_by_text() {
  // Built on first use (thread-safe) and never changed afterwards.
  static const std::unordered_map<std::string_view, LexiconEntry> index = [] {
    std::unordered_map<std::string_view, LexiconEntry> built;
    for (const Family& f : kFamilies) {
      for (const WordWeight& w : f.words) {
        built.emplace(w.word, LexiconEntry{f.emotion, f.positive ? w.weight : -w.weight});
      }
    }
    return built;
  }();
  return index;
}

}  // namespace

std::optional<LexiconEntry> lookup_word(std::string_view word) {
  const auto& index = words_by_text();
  auto found = index.find(word);
  if (found == index.end()) return std::nullopt;
  return found->second;
}

bool is_positive(Emotion emotion) {
  return family(emotion).positive;
}

std::string_view emotion_name(Emotion emotion) {
  return family(emotion).name;
}

Rgb emotion_colour(Emotion emotion) {
  return family(emotion).colour;
}

}  // namespace moodgate::mock
