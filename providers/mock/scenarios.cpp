#include "scenarios.h"

#include <array>
#include <string>
#include <string_view>

namespace moodgate::mock {
namespace {

struct Template {
  std::string_view title;
  std::string_view prompt;
};

using Three = std::array<Template, 3>;

// Indexed by Emotion; the neutral set follows.
constexpr std::array<Three, 16> kByEmotion = {{
    {{{"Sharing the good news", "What if you told someone close to you about this moment today?"},
      {"Holding on to it", "What if you wrote down exactly what made this feel good?"},
      {"A quieter day", "What if tomorrow is ordinary? What would you keep from today?"}}},
    {{{"Finding it again",
       "What if a busy week starts tomorrow? How could you return to this calm?"},
      {"What made it possible", "What if you noticed what helped you settle today?"},
      {"Offering it to others",
       "What if a friend came to you upset? How would you share this calm?"}}},
    {{{"Saying it out loud", "What if you told this person what they mean to you?"},
      {"When you are apart", "What if you were away from them for a month? What would you miss?"},
      {"Giving it back", "What if you did something small for them this week?"}}},
    {{{"The first step", "What if you took one small step toward this hope tomorrow?"},
      {"A setback", "What if things go slower than you expect? What would keep you going?"},
      {"Looking back", "What if it works out? What would you tell yourself from today?"}}},
    {{{"Owning it", "What if you let yourself fully accept the credit for this?"},
      {"The next challenge",
       "What if a harder task came next? What would you bring from this one?"},
      {"Sharing the credit", "What if you thanked someone who helped you get here?"}}},
    {{{"A thank-you note", "What if you wrote a short note to whoever you feel grateful to?"},
      {"The small things", "What if you looked for three more things to appreciate this week?"},
      {"Paying it forward", "What if you gave someone else a moment like this one?"}}},
    {{{"The big day", "What if the thing you are excited about happens tomorrow?"},
      {"Plans change", "What if it is postponed? How would you hold on to the excitement?"},
      {"Bringing someone along", "What if you invited someone to share this with you?"}}},
    {{{"What lifted", "What if you named exactly what weight came off your shoulders?"},
      {"Next time", "What if something similar worries you again? What would you remember?"},
      {"Resting in it", "What if you gave yourself an evening just to enjoy this relief?"}}},
    {{{"A kind voice", "What if a good friend felt this way? What would you say to them?"},
      {"One small comfort", "What if you did one gentle thing for yourself tonight?"},
      {"A week from now", "What if you looked back on today a week from now?"}}},
    {{{"The worst case", "What if the thing you fear happened? What would you actually do next?"},
      {"The likely case", "What if it turns out the way these things usually do?"},
      {"What you control", "What if you listed only the parts of this that are in your hands?"}}},
    {{{"The calm conversation", "What if you talked to the person involved once you felt calmer?"},
      {"The need underneath", "What if the anger is protecting something? What might it be?"},
      {"Letting it cool", "What if you waited a day before deciding what to do?"}}},
    {{{"Reaching out", "What if you sent a short message to someone you miss today?"},
      {"Company of a kind", "What if you spent an hour somewhere with other people around?"},
      {"Being your own company", "What if you planned something you enjoy doing alone?"}}},
    {{{"One thing less", "What if you could drop one task this week? Which would it be?"},
      {"Asking for help", "What if you asked someone to take part of the load?"},
      {"The pause", "What if you took ten minutes for yourself before the next task?"}}},
    {{{"Permission to rest", "What if you let yourself rest tonight without guilt?"},
      {"What drains you", "What if you noticed which part of the day takes the most energy?"},
      {"A slower morning", "What if tomorrow started half an hour slower?"}}},
    {{{"Making amends", "What if you apologised or set things right? What would that look like?"},
      {"A fair judge", "What if you judged yourself as fairly as you would judge a friend?"},
      {"Learning from it", "What if you wrote down what you would do differently next time?"}}},
    {{{"Looking closer", "What if you wrote down how this situation really made you feel?"},
      {"Someone else's view", "What if a friend had been there? What would they have noticed?"},
      {"Tomorrow", "What if the same thing happened tomorrow? Would you react the same way?"}}},
}};

constexpr std::array<Template, 4> kExtras = {{
    {"A letter to yourself", "What if you wrote a letter to yourself about this day?"},
    {"A different ending", "What if this situation had ended differently? What would change?"},
    {"One year later", "What if you remembered this a year from now? What would matter most?"},
    {"Someone you trust", "What if you told someone you trust the whole story?"},
}};

}  // namespace

Scenario scenario_for(std::optional<Emotion> dominant, std::size_t index) {
  const Three& own = kByEmotion[dominant ? static_cast<std::size_t>(*dominant) : 15];
  if (index < own.size()) return {std::string(own[index].title), std::string(own[index].prompt)};
  std::size_t extra = index - own.size();
  const Template& t = kExtras[extra % kExtras.size()];
  Scenario s{std::string(t.title), std::string(t.prompt)};
  if (extra >= kExtras.size()) s.title += " (" + std::to_string(extra / kExtras.size() + 1) + ")";
  return s;
}

}  // namespace moodgate::mock
