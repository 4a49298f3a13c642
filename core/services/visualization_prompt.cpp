#include "core/services/visualization_prompt.h"

#include <algorithm>
#include <cstdio>

namespace moodgate::services {
namespace {

constexpr std::size_t kMaxSituationBytes = 800;
constexpr std::size_t kMaxThoughtsBytes = 800;
constexpr std::size_t kMaxSummaryBytes = 500;
constexpr std::size_t kMaxEmotionNameBytes = 40;
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // …

struct StyleWording {
  std::string_view style;
  std::string_view look;
};

constexpr std::array<StyleWording, kVisualizationStyles.size()> kWordings = {{
    {"abstract",
     "an abstract painting made only of colour, shape, line and texture, with no recognisable "
     "objects; let the colours, movement and weight of the forms carry the feeling"},
    {"watercolor",
     "a soft watercolor painting with loose, transparent washes, colours bleeding into each "
     "other and visible paper texture; an evocative scene or landscape rather than a literal "
     "illustration"},
    {"impressionist",
     "an impressionist painting with visible, broken brushstrokes, vibrating colour and "
     "shifting light, of a landscape or quiet scene whose atmosphere matches the feeling"},
    {"minimal",
     "a minimal composition: a few simple shapes, generous empty space and a restrained palette "
     "of two or three colours, calm and precise"},
    {"photographic",
     "a photograph of a landscape, sky, weather or still life whose light and mood match the "
     "feeling, natural colours, shallow depth of field, no staged scene"},
}};

bool is_space_or_control(unsigned char c) {
  return c <= 0x20 || c == 0x7F;
}

bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// How strongly an intensity in [0, 1] is felt, in words.
const char* strength(double intensity) {
  if (intensity >= 0.75) return "strong";
  if (intensity >= 0.4) return "moderate";
  return "faint";
}

std::string intensity_text(double intensity) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", std::clamp(intensity, 0.0, 1.0));
  return buf;
}

}  // namespace

bool is_visualization_style(std::string_view style) {
  return std::find(kVisualizationStyles.begin(), kVisualizationStyles.end(), style) !=
         kVisualizationStyles.end();
}

std::string bounded_text(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  bool pending_space = false;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_space_or_control(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += ch;
    if (out.size() > max_bytes) break;  // enough to know it must be cut
  }
  if (out.size() <= max_bytes) return out;
  if (max_bytes < kEllipsis.size()) return {};
  std::size_t cut = max_bytes - kEllipsis.size();
  while (cut > 0 && is_continuation(static_cast<unsigned char>(out[cut]))) --cut;
  out.resize(cut);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  out += kEllipsis;
  return out;
}

std::string visualization_prompt(const store::EntryForPrompt& entry, std::string_view style) {
  const StyleWording* wording = &kWordings[0];
  for (const StyleWording& w : kWordings) {
    if (w.style == style) wording = &w;
  }

  std::string prompt = "Create ";
  prompt += wording->look;
  prompt +=
      ". The image expresses the emotional state of a person's private journal entry. "
      "Convey the feelings through colour, light, composition and atmosphere; do not "
      "illustrate the situation literally.";

  if (!entry.emotions.empty()) {
    prompt += "\nFeelings (intensity from 0 to 1): ";
    bool first = true;
    for (const store::EntryEmotion& e : entry.emotions) {
      const std::string name = bounded_text(e.name, kMaxEmotionNameBytes);
      if (name.empty()) continue;
      if (!first) prompt += ", ";
      first = false;
      prompt += name + " (" + strength(e.intensity) + ", " + intensity_text(e.intensity) + ")";
    }
    prompt += ". Stronger feelings should dominate the image.";
  }
  const std::string situation = bounded_text(entry.situation, kMaxSituationBytes);
  if (!situation.empty()) prompt += "\nWhat happened: \"" + situation + "\"";
  const std::string thoughts = bounded_text(entry.thoughts, kMaxThoughtsBytes);
  if (!thoughts.empty()) prompt += "\nTheir thoughts: \"" + thoughts + "\"";
  if (entry.analysis_status == store::AnalysisStatus::kReady) {
    if (entry.analysis_summary) {
      const std::string summary = bounded_text(*entry.analysis_summary, kMaxSummaryBytes);
      if (!summary.empty()) prompt += "\nIn short: " + summary;
    }
    if (entry.analysis_sentiment) {
      prompt += "\nOverall mood: " + bounded_text(*entry.analysis_sentiment, 20) + ".";
    }
  }
  prompt +=
      "\nRules: no text, letters, words, numbers, captions, signatures or watermarks anywhere in "
      "the image. No identifiable people and no faces; if a figure appears at all, it is small, "
      "distant and anonymous. Nothing violent or graphic; keep it gentle and suitable for "
      "anyone.";
  return prompt;
}

}  // namespace moodgate::services
