// An analysis's highlights as JSON, in one place: the entries table keeps them as this text
// (analysis_highlights) and the API shows the same array inside an entry's analysis.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/common/json.h"
#include "core/store/entries_repository.h"

namespace moodgate::store {

// Writes [{"text": ..., "polarity": ...}...] in the given order.
void write_highlights(json::Writer& w, const std::vector<Highlight>& highlights);
// The same array as JSON text.
std::string highlights_json(const std::vector<Highlight>& highlights);
// The highlights in `text`, skipping items that are not {text, polarity} strings; empty when
// `text` is not a JSON array.
std::vector<Highlight> highlights_from_json(std::string_view text);

}  // namespace moodgate::store
