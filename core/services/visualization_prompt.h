// The image prompt for a visualization: an entry's emotional state, in one of the documented
// styles, as words an image model can paint.
//
// The prompt names the emotions with their intensities, quotes the situation and thoughts (each
// cut to a bound on a UTF-8 boundary, whitespace and control characters collapsed), adds the
// analysis' summary and sentiment when the analysis is ready, and asks for each style's own
// look. It always asks for no text, letters or numbers in the image and for no identifiable
// people. The whole prompt stays under kMaxPromptBytes. Thread-safe (pure functions).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/store/visualizations_repository.h"

namespace moodgate::services {

// The styles a visualization may ask for (API.md), each with its own wording.
inline constexpr std::array<std::string_view, 5> kVisualizationStyles = {
    "abstract", "watercolor", "impressionist", "minimal", "photographic"};

// The longest prompt visualization_prompt() builds.
inline constexpr std::size_t kMaxPromptBytes = 4000;

// Whether `style` is one of kVisualizationStyles.
bool is_visualization_style(std::string_view style);

// The prompt for painting `entry` in `style` (an unknown style is painted as "abstract").
std::string visualization_prompt(const store::EntryForPrompt& entry, std::string_view style);

// `text` with runs of whitespace and control characters turned into one space, trimmed, and cut
// to at most `max_bytes` bytes on a UTF-8 character boundary ("…" marks a cut).
std::string bounded_text(std::string_view text, std::size_t max_bytes);

}  // namespace moodgate::services
