#include "core/http/error_envelope.h"

#include <type_traits>
#include <variant>

#include "core/common/json.h"

namespace moodgate::http {

std::string error_envelope_json(const Error& error, const std::string& request_id) {
  return json::build([&](json::Writer& w) {
    w.StartObject();
    json::key(w, "error");
    w.StartObject();
    json::key(w, "code");
    w.String(error_code_name(error.code));
    json::key(w, "message");
    json::string(w, error.message);
    json::key(w, "details");
    w.StartObject();
    for (const auto& [k, v] : error.details) {
      json::key(w, k);
      std::visit(
          [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::string>)
              json::string(w, x);
            else if constexpr (std::is_same_v<T, long long>)
              w.Int64(x);
            else if constexpr (std::is_same_v<T, double>)
              w.Double(x);
            else
              w.Bool(x);
          },
          v);
    }
    w.EndObject();
    json::key(w, "request_id");
    json::string(w, request_id);
    w.EndObject();
    w.EndObject();
  });
}

HttpResponse error_response(const Error& error, const std::string& request_id) {
  return HttpResponse::json(error_code_status(error.code), error_envelope_json(error, request_id));
}

}  // namespace moodgate::http
