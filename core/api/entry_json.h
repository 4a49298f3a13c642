// Entries to and from JSON, in exactly one place: the `entry` object of API.md, pages of
// entries, scenario lists, and the request bodies of POST and PATCH /entries validated into the
// service's plain inputs (400 naming the field, e.g. "emotions[1].intensity").
#pragma once

#include <string>
#include <vector>

#include "core/api/json_body.h"
#include "core/common/json.h"
#include "core/services/journal_service.h"

namespace moodgate::api {

void write_entry(json::Writer& w, const store::EntryRow& entry);
std::string entry_json(const store::EntryRow& entry);
// {"items": [entry...], "next_cursor": "..." | null}
std::string entry_page_json(const services::EntryPage& page);
// {"scenarios": [{id, title, description}...]}
std::string scenarios_json(const std::vector<store::Scenario>& scenarios);

// POST /entries: situation and emotions required, thoughts optional.
Result<services::EntryDraft> entry_draft(const JsonBody& body);
// PATCH /entries/{id}: at least one of situation, thoughts, emotions.
Result<store::EntryContentChange> entry_change(const JsonBody& body);

}  // namespace moodgate::api
