#include "schema_instance.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "moodgate/json.h"
#include "scenarios.h"
#include "schema_keywords.h"
#include "utf8.h"

namespace moodgate::mock {
namespace {

using rapidjson::Value;

bool one_of(std::string_view key, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), key) != names.end();
}

bool is_highlight_array(std::string_view key) {
  return one_of(key, {"highlights", "keywords", "keyphrases", "emotionwords"});
}

bool is_scenario_array(std::string_view key) {
  return one_of(
      key, {"scenarios", "followups", "followupscenarios", "prompts", "questions", "reflections"});
}

// What an array item stands for; the item's own properties are filled from it.
struct Item {
  const Hit* hit = nullptr;
  const Scenario* scenario = nullptr;
  std::size_t index = 0;
};

constexpr int kMaxDepth = 48;
constexpr std::size_t kScenarios = 3;  // unless the schema asks for another number

class Generator {
 public:
  Generator(const Value& root, const Analysis& analysis)
      : root_(root), analysis_(analysis), summary_(describe(analysis)) {}

  // The instance, or nothing when it would be larger than kMaxInstanceBytes.
  std::optional<std::string> run() {
    value(root_, "", Item{}, 0);
    if (too_big()) return std::nullopt;
    return std::string(buffer_.GetString(), buffer_.GetSize());
  }

 private:
  bool too_big() const { return buffer_.GetSize() > kMaxInstanceBytes; }

  // The emotion family an emotion-valued property names: the highlight's own inside a
  // highlight, else the entry's heaviest.
  std::optional<Emotion> known_emotion(std::string_view key, const Item& item) const {
    if (item.hit != nullptr && one_of(key, {"emotion", "category"})) return item.hit->emotion;
    if (!one_of(key, {"emotion", "dominantemotion", "primaryemotion", "mood"})) return std::nullopt;
    if (analysis_.emotions.empty()) return std::nullopt;
    return analysis_.emotions.front();
  }

  std::optional<std::string> known_text(std::string_view key, const Item& item) const {
    if (item.scenario != nullptr) {
      if (one_of(key, {"title", "name", "headline"})) return item.scenario->title;
      if (one_of(key, {"prompt", "description", "question", "text", "situation", "scenario"}) ||
          is_scenario_array(key)) {
        return item.scenario->prompt;
      }
    }
    if (item.hit != nullptr) {
      if (one_of(key, {"text", "phrase", "word", "name", "highlight"}) || is_highlight_array(key)) {
        return item.hit->phrase;
      }
      if (one_of(key, {"polarity", "sentiment", "valence", "type"})) {
        return item.hit->weight > 0 ? "positive" : "negative";
      }
      if (std::optional<Emotion> e = known_emotion(key, item)) return std::string(emotion_name(*e));
    }
    if (key == "summary") return summary_;
    if (one_of(key, {"sentiment", "overallsentiment"})) {
      return std::string(sentiment_name(analysis_.sentiment));
    }
    if (one_of(key, {"emotion", "dominantemotion", "primaryemotion", "mood"})) {
      std::optional<Emotion> e = known_emotion(key, item);
      return e ? std::string(emotion_name(*e)) : "neutral";
    }
    return std::nullopt;
  }

  std::optional<double> known_number(std::string_view key, const Item& item) const {
    if (item.hit != nullptr) {
      if (key == "score") return item.hit->weight;
      if (one_of(key, {"weight", "intensity", "strength", "magnitude"})) {
        return std::abs(item.hit->weight);
      }
    }
    if (one_of(key, {"score", "sentimentscore"})) return analysis_.score;
    if (key == "positivecount") return analysis_.positive_count;
    if (key == "negativecount") return analysis_.negative_count;
    return std::nullopt;
  }

  bool known_property(std::string_view key, const Item& item) const {
    return known_text(key, item) || known_number(key, item) || is_highlight_array(key) ||
           is_scenario_array(key);
  }

  void value(const Value& raw, std::string_view name, const Item& item, int depth) {
    const Value& s = resolve(root_, raw);
    // Past the size limit, the instance is only closed off (it is thrown away).
    if (depth > kMaxDepth || too_big()) {  // only a schema that requires itself gets that deep
      writer_.Null();
      return;
    }
    if (!s.IsObject()) {  // `true`, or not a schema at all: any value will do
      text(nullptr, name, item);
      return;
    }
    if (const Value* constant = member(s, "const")) {
      constant->Accept(writer_);
      return;
    }
    if (const Value* members = member(s, "enum");
        members && members->IsArray() && !members->Empty()) {
      pick(*members, name_key(name), item).Accept(writer_);
      return;
    }
    std::string type = type_of(s);
    if (type == "object") {
      object(s, item, depth);
    } else if (type == "array") {
      array(s, name, depth);
    } else if (type == "integer" || type == "number") {
      number(s, name, item, type == "integer");
    } else if (type == "boolean") {
      writer_.Bool(false);
    } else if (type == "null") {
      writer_.Null();
    } else {
      text(&s, name, item);
    }
  }

  // The enum member closest to what the property would hold, else the first.
  const Value& pick(const Value& members, const std::string& key, const Item& item) const {
    std::vector<std::string> wanted;
    if (std::optional<std::string> known = known_text(key, item)) {
      wanted.push_back(name_key(*known));
      if (*known == "mixed") wanted.push_back("neutral");
      if (*known == "neutral") wanted.push_back("mixed");
    }
    for (const std::string& w : wanted) {
      for (const Value& m : members.GetArray()) {
        if (m.IsString() && name_key(string_of(m)) == w) return m;
      }
      for (const Value& m : members.GetArray()) {
        if (m.IsString() && name_key(string_of(m)).find(w) != std::string::npos) return m;
      }
    }
    // An emotion enum in other words ("fear" for anxious): a member of the same family.
    if (std::optional<Emotion> emotion = known_emotion(key, item)) {
      for (const Value& m : members.GetArray()) {
        if (!m.IsString()) continue;
        std::optional<LexiconEntry> entry = lookup_word(name_key(string_of(m)));
        if (entry && entry->emotion == *emotion) return m;
      }
    }
    return members[0];
  }

  void object(const Value& s, const Item& item, int depth) {
    const Value* properties = member(s, "properties");
    const Value* required = member(s, "required");
    auto is_required = [&](std::string_view name) {
      if (required == nullptr || !required->IsArray()) return false;
      return std::any_of(required->Begin(), required->End(),
                         [&](const Value& r) { return r.IsString() && string_of(r) == name; });
    };
    writer_.StartObject();
    if (properties != nullptr && properties->IsObject()) {
      for (const auto& p : properties->GetObject()) {
        std::string_view name = string_of(p.name);
        if (!is_required(name) && !known_property(name_key(name), item)) continue;
        writer_.Key(p.name.GetString(), p.name.GetStringLength());
        value(p.value, name, item, depth + 1);
      }
    }
    if (required != nullptr && required->IsArray()) {
      for (const Value& r : required->GetArray()) {
        if (!r.IsString() || (properties && properties->IsObject() && properties->HasMember(r))) {
          continue;
        }
        writer_.Key(r.GetString(), r.GetStringLength());
        text(nullptr, string_of(r), item);
      }
    }
    writer_.EndObject();
  }

  void array(const Value& s, std::string_view name, int depth) {
    std::string key = name_key(name);
    std::size_t wanted = is_highlight_array(key)  ? analysis_.highlights.size()
                         : is_scenario_array(key) ? kScenarios
                                                  : 1;
    std::size_t count = fit_item_count(s, wanted);
    const Value* items = member(s, "items");
    writer_.StartArray();
    for (std::size_t i = 0; i < count && !too_big(); ++i) {
      Item item{nullptr, nullptr, i};
      std::optional<Scenario> scenario;
      if (is_highlight_array(key) && i < analysis_.highlights.size()) {
        item.hit = &analysis_.highlights[i];
      }
      if (is_scenario_array(key)) {
        scenario = scenario_for(analysis_.emotions.empty()
                                    ? std::nullopt
                                    : std::optional<Emotion>(analysis_.emotions.front()),
                                i);
        item.scenario = &*scenario;
      }
      if (items != nullptr && (items->IsObject() || items->IsBool())) {
        value(*items, name, item, depth + 1);
      } else {
        text(nullptr, name, item);
      }
    }
    writer_.EndArray();
  }

  void number(const Value& s, std::string_view name, const Item& item, bool integer) {
    double v = fit_number(s, known_number(name_key(name), item).value_or(0), integer);
    if (integer && std::abs(v) < 0x1p53) {  // beyond, a double is still a whole number
      writer_.Int64(static_cast<long long>(v));
    } else {
      writer_.Double(v == 0 ? 0.0 : v);  // never "-0.0"
    }
  }

  // A string for `name`: what the analysis says, a placeholder of the asked format, or plain
  // text; then fitted to minLength/maxLength (counted in code points, as JSON Schema does).
  void text(const Value* s, std::string_view name, const Item& item) {
    std::string out;
    if (std::optional<std::string> known = known_text(name_key(name), item)) {
      out = *known;
    } else if (const Value* format = s ? member(*s, "format") : nullptr;
               format && format->IsString()) {
      out = format_example(string_of(*format));
    }
    if (out.empty()) {
      out = "mock " + (name.empty() ? std::string("text") : std::string(name));
      if (item.index > 0) out += " " + std::to_string(item.index + 1);
    }
    out = valid_utf8(out);
    if (s != nullptr) out = fit_length(*s, std::move(out));
    writer_.String(out.data(), static_cast<rapidjson::SizeType>(out.size()));
  }

  const Value& root_;
  const Analysis& analysis_;
  std::string summary_;
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_{buffer_};
};

}  // namespace

SchemaInstance instance_of(std::string_view json_schema, const Analysis& analysis) {
  rapidjson::Document schema;
  if (const auto error = sdk::parse_json(json_schema, schema)) {
    if (error->too_deep()) return {"", "json_schema " + error->describe()};
    return {"", "json_schema is not valid JSON (at offset " + std::to_string(error->offset) + ": " +
                    rapidjson::GetParseError_En(error->code) + ")"};
  }
  if (!schema.IsObject()) return {"", "json_schema must be a JSON object"};
  std::optional<std::string> instance = Generator(schema, analysis).run();
  if (!instance) {
    return {"", "json_schema asks for an instance larger than " +
                    std::to_string(kMaxInstanceBytes) + " bytes"};
  }
  return {std::move(*instance), ""};
}

}  // namespace moodgate::mock
