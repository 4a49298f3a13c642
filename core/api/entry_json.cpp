#include "core/api/entry_json.h"

#include "core/services/entry_rules.h"
#include "core/store/highlights_json.h"

namespace moodgate::api {
namespace {

void write_scenario(json::Writer& w, const store::Scenario& s) {
  w.StartObject();
  json::key(w, "id");
  json::string(w, s.id);
  json::key(w, "title");
  json::string(w, s.title);
  json::key(w, "description");
  json::string(w, s.description);
  w.EndObject();
}

void write_analysis(json::Writer& w, const store::Analysis& a) {
  w.StartObject();
  json::key(w, "status");
  json::string(w, store::to_string(a.status));
  if (a.status == store::AnalysisStatus::kReady) {
    json::key(w, "summary");
    json::string(w, a.summary);
    json::key(w, "sentiment");
    json::string(w, a.sentiment);
    json::key(w, "sentiment_score");
    w.Double(a.score);
    json::key(w, "highlights");
    store::write_highlights(w, a.highlights);
    json::key(w, "positive_count");
    w.Int(a.positive_count);
    json::key(w, "negative_count");
    w.Int(a.negative_count);
    json::key(w, "provider");
    json::string(w, a.provider);
    json::key(w, "model");
    json::string(w, a.model);
  } else if (a.status == store::AnalysisStatus::kFailed) {
    json::key(w, "error");
    w.StartObject();
    json::key(w, "code");
    json::string(w, a.error_code);
    json::key(w, "message");
    json::string(w, a.error_message);
    w.EndObject();
  }
  w.EndObject();
}

// A string field's text, or the error naming it (required: absent/null is an error).
Result<std::string> string_field(const rapidjson::Value& obj, const std::string& field,
                                 const char* name, bool required) {
  const auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) {
    if (required) return Error::invalid_input(field + " is required", field);
    return std::string();
  }
  if (!it->value.IsString()) return wrong_type(field, it->value, "a string");
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

Result<std::vector<store::Emotion>> emotions_from(const rapidjson::Value& value) {
  if (!value.IsArray()) return wrong_type("emotions", value, "an array");
  std::vector<store::Emotion> out;
  if (value.Size() > services::kMaxEmotions) {
    return Error::invalid_input("Name 1 to 12 emotions", "emotions");
  }
  for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
    const std::string at = "emotions[" + std::to_string(i) + "]";
    const rapidjson::Value& item = value[i];
    if (!item.IsObject()) return wrong_type(at, item, "an object");
    auto raw_name = string_field(item, at + ".name", "name", true);
    if (!raw_name) return std::move(raw_name).error();
    auto name = services::normalize_emotion_name(*raw_name, at + ".name");
    if (!name) return std::move(name).error();
    const auto intensity = item.FindMember("intensity");
    if (intensity == item.MemberEnd() || intensity->value.IsNull()) {
      return Error::invalid_input(at + ".intensity is required", at + ".intensity");
    }
    if (!intensity->value.IsNumber()) {
      return wrong_type(at + ".intensity", intensity->value, "a number");
    }
    auto checked = services::check_intensity(intensity->value.GetDouble(), at + ".intensity");
    if (!checked) return std::move(checked).error();
    out.push_back({std::move(name).value(), *checked});
  }
  if (Status ok = services::check_emotions(out, "emotions"); !ok) return std::move(ok).error();
  return out;
}

}  // namespace

void write_entry(json::Writer& w, const store::EntryRow& e) {
  w.StartObject();
  json::key(w, "id");
  json::string(w, e.id);
  json::key(w, "situation");
  json::string(w, e.situation);
  json::key(w, "thoughts");
  json::string(w, e.thoughts);
  json::key(w, "emotions");
  w.StartArray();
  for (const store::Emotion& m : e.emotions) {
    w.StartObject();
    json::key(w, "name");
    json::string(w, m.name);
    json::key(w, "intensity");
    w.Double(m.intensity);
    w.EndObject();
  }
  w.EndArray();
  json::key(w, "analysis");
  write_analysis(w, e.analysis);
  json::key(w, "scenarios");
  w.StartArray();
  for (const store::Scenario& s : e.scenarios) write_scenario(w, s);
  w.EndArray();
  json::key(w, "created_at");
  json::string(w, e.created_at);
  json::key(w, "updated_at");
  json::string(w, e.updated_at);
  w.EndObject();
}

std::string entry_json(const store::EntryRow& entry) {
  return json::build([&](json::Writer& w) { write_entry(w, entry); });
}

std::string entry_page_json(const services::EntryPage& page) {
  return json::build([&](json::Writer& w) {
    w.StartObject();
    json::key(w, "items");
    w.StartArray();
    for (const store::EntryRow& e : page.items) write_entry(w, e);
    w.EndArray();
    json::key(w, "next_cursor");
    if (page.next_cursor) {
      json::string(w, *page.next_cursor);
    } else {
      w.Null();
    }
    w.EndObject();
  });
}

std::string scenarios_json(const std::vector<store::Scenario>& scenarios) {
  return json::build([&](json::Writer& w) {
    w.StartObject();
    json::key(w, "scenarios");
    w.StartArray();
    for (const store::Scenario& s : scenarios) write_scenario(w, s);
    w.EndArray();
    w.EndObject();
  });
}

Result<services::EntryDraft> entry_draft(const JsonBody& body) {
  const rapidjson::Value& root = body.root();
  services::EntryDraft draft;
  auto situation = string_field(root, "situation", "situation", true);
  if (!situation) return std::move(situation).error();
  auto checked = services::check_situation(*situation);
  if (!checked) return std::move(checked).error();
  draft.situation = std::move(checked).value();
  auto thoughts = string_field(root, "thoughts", "thoughts", false);
  if (!thoughts) return std::move(thoughts).error();
  auto checked_thoughts = services::check_thoughts(*thoughts);
  if (!checked_thoughts) return std::move(checked_thoughts).error();
  draft.thoughts = std::move(checked_thoughts).value();
  const auto emotions = root.FindMember("emotions");
  if (emotions == root.MemberEnd() || emotions->value.IsNull()) {
    return Error::invalid_input("emotions is required", "emotions");
  }
  auto list = emotions_from(emotions->value);
  if (!list) return std::move(list).error();
  draft.emotions = std::move(list).value();
  return draft;
}

Result<store::EntryContentChange> entry_change(const JsonBody& body) {
  const rapidjson::Value& root = body.root();
  store::EntryContentChange change;
  if (body.has("situation")) {
    auto situation = string_field(root, "situation", "situation", true);
    if (!situation) return std::move(situation).error();
    auto checked = services::check_situation(*situation);
    if (!checked) return std::move(checked).error();
    change.situation = std::move(checked).value();
  }
  if (body.has("thoughts")) {
    auto thoughts = string_field(root, "thoughts", "thoughts", false);
    if (!thoughts) return std::move(thoughts).error();
    auto checked = services::check_thoughts(*thoughts);
    if (!checked) return std::move(checked).error();
    change.thoughts = std::move(checked).value();
  }
  if (body.has("emotions")) {
    const rapidjson::Value& value = root["emotions"];
    if (value.IsNull()) return Error::invalid_input("emotions must not be null", "emotions");
    auto list = emotions_from(value);
    if (!list) return std::move(list).error();
    change.emotions = std::move(list).value();
  }
  if (!change.situation && !change.thoughts && !change.emotions) {
    return Error::invalid_input("Change at least one of situation, thoughts or emotions",
                                "situation");
  }
  return change;
}

}  // namespace moodgate::api
