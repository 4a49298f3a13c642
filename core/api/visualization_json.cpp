#include "core/api/visualization_json.h"

namespace moodgate::api {
namespace {

void optional_string(json::Writer& w, const char* name, const std::optional<std::string>& v) {
  json::key(w, name);
  if (v) {
    json::string(w, *v);
  } else {
    w.Null();
  }
}

void optional_int(json::Writer& w, const char* name, const std::optional<int>& v) {
  json::key(w, name);
  if (v) {
    w.Int(*v);
  } else {
    w.Null();
  }
}

}  // namespace

std::string visualization_image_path(const std::string& id) {
  return "/api/v1/visualizations/" + id + "/image";
}

void write_visualization(json::Writer& w, const services::Visualization& v) {
  const bool succeeded = v.status == store::VisualizationStatus::kSucceeded;
  const bool failed = v.status == store::VisualizationStatus::kFailed;
  w.StartObject();
  json::key(w, "id");
  json::string(w, v.id);
  json::key(w, "entry_id");
  json::string(w, v.entry_id);
  json::key(w, "style");
  json::string(w, v.style);
  json::key(w, "aspect_ratio");
  json::string(w, v.aspect_ratio);
  json::key(w, "status");
  json::string(w, store::to_string(v.status));
  optional_string(w, "image_url",
                  succeeded ? std::optional(visualization_image_path(v.id)) : std::nullopt);
  optional_string(w, "mime_type", v.mime_type);
  optional_int(w, "width", v.width);
  optional_int(w, "height", v.height);
  optional_string(w, "provider", v.provider);
  optional_string(w, "model", v.model);
  json::key(w, "error");
  if (failed) {
    // A queued job may carry the error of a try that will be retried: shown only once final.
    w.StartObject();
    json::key(w, "code");
    json::string(w, v.error_code.value_or("INTERNAL"));
    json::key(w, "message");
    json::string(w, v.error_message.value_or(""));
    w.EndObject();
  } else {
    w.Null();
  }
  json::key(w, "attempts");
  w.Int(v.attempts);
  json::key(w, "created_at");
  json::string(w, v.created_at);
  optional_string(w, "completed_at", v.completed_at);
  w.EndObject();
}

std::string visualization_json(const services::Visualization& v) {
  return json::build([&](json::Writer& w) { write_visualization(w, v); });
}

std::string visualization_page_json(const services::VisualizationPage& page) {
  return json::build([&](json::Writer& w) {
    w.StartObject();
    json::key(w, "items");
    w.StartArray();
    for (const auto& v : page.items) write_visualization(w, v);
    w.EndArray();
    optional_string(w, "next_cursor", page.next_cursor);
    w.EndObject();
  });
}

}  // namespace moodgate::api
