#include "core/http/router.h"

#include <algorithm>
#include <stdexcept>

namespace moodgate::http {
namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    if (i >= path.size()) break;
    std::size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Matches a pattern's segments against a path's; fills params on success.
bool segments_match(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                    std::map<std::string, std::string>* params) {
  if (pattern.size() != path.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (is_param(pattern[i])) {
      if (params) (*params)[pattern[i].substr(1, pattern[i].size() - 2)] = path[i];
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

void Router::add(Method method, const std::string& pattern, Handler handler) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::logic_error("route pattern must start with '/': " + pattern);
  }
  for (const auto& r : routes_) {
    if (r.method == method && r.pattern == pattern) {
      throw std::logic_error(std::string("duplicate route ") + method_name(method) + " " + pattern);
    }
  }
  routes_.push_back(Route{method, pattern, split_path(pattern), std::move(handler)});
}

std::vector<std::pair<Method, std::string>> Router::routes() const {
  std::vector<std::pair<Method, std::string>> out;
  out.reserve(routes_.size());
  for (const auto& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

RouteMatch Router::match(Method method, const std::string& path) const {
  const auto segments = split_path(path);
  RouteMatch result;
  // Literal segments beat parameters: "/entries/export" wins over "/entries/{id}".
  const Route* best = nullptr;
  auto literal_count = [](const Route& r) {
    return std::count_if(r.segments.begin(), r.segments.end(),
                         [](const std::string& s) { return !is_param(s); });
  };
  for (const auto& r : routes_) {
    if (!segments_match(r.segments, segments, nullptr)) continue;
    if (std::find(result.allowed.begin(), result.allowed.end(), r.method) == result.allowed.end()) {
      result.allowed.push_back(r.method);
    }
    if (result.pattern.empty()) result.pattern = r.pattern;
    const bool method_fits =
        r.method == method || (method == Method::kHead && r.method == Method::kGet);
    if (method_fits && (best == nullptr || literal_count(r) > literal_count(*best))) best = &r;
  }
  if (best != nullptr) {
    result.kind = RouteMatch::Kind::kFound;
    result.handler = &best->handler;
    result.pattern = best->pattern;
    segments_match(best->segments, segments, &result.params);
    return result;
  }
  result.kind =
      result.allowed.empty() ? RouteMatch::Kind::kNotFound : RouteMatch::Kind::kMethodNotAllowed;
  return result;
}

}  // namespace moodgate::http
