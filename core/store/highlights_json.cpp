#include "core/store/highlights_json.h"

#include <rapidjson/document.h>

#include "moodgate/json.h"

namespace moodgate::store {

void write_highlights(json::Writer& w, const std::vector<Highlight>& highlights) {
  w.StartArray();
  for (const Highlight& h : highlights) {
    w.StartObject();
    json::key(w, "text");
    json::string(w, h.text);
    json::key(w, "polarity");
    json::string(w, h.polarity);
    w.EndObject();
  }
  w.EndArray();
}

std::string highlights_json(const std::vector<Highlight>& highlights) {
  return json::build([&](json::Writer& w) { write_highlights(w, highlights); });
}

std::vector<Highlight> highlights_from_json(std::string_view text) {
  std::vector<Highlight> out;
  rapidjson::Document doc;
  if (sdk::parse_json(text, doc) || !doc.IsArray()) return out;
  for (const auto& item : doc.GetArray()) {
    if (!item.IsObject()) continue;
    const auto t = item.FindMember("text");
    const auto p = item.FindMember("polarity");
    if (t == item.MemberEnd() || p == item.MemberEnd() || !t->value.IsString() ||
        !p->value.IsString()) {
      continue;
    }
    out.push_back({t->value.GetString(), p->value.GetString()});
  }
  return out;
}

}  // namespace moodgate::store
