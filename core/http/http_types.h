// Plain request and response values that handlers see.
//
// The server copies what a handler needs out of Pistache's request before the handler runs, so
// nothing above core/http/ includes a Pistache header, and a handler may keep these values (and
// answer later, from any thread) after Pistache has recycled its own request object.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace moodgate::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

// "GET", "POST", ...
const char* method_name(Method m);
// Parses an upper-case method token; unknown tokens give kOther.
Method parse_method(std::string_view token);

// Case-insensitive header names, as HTTP requires.
struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
using HeaderMap = std::map<std::string, std::string, CaseInsensitiveLess>;

struct HttpRequest {
  Method method = Method::kGet;
  std::string method_token;  // as sent, for logs of unknown methods
  std::string path;          // without the query string
  std::map<std::string, std::string> query;
  HeaderMap headers;
  std::string body;
  std::string peer_ip;    // the TCP peer
  std::string client_ip;  // the client: the peer, or what trusted proxies forwarded for
  std::string request_id;
  std::string route;  // the matched pattern, e.g. "/api/v1/entries/{id}"; "" when none matched
  std::map<std::string, std::string> path_params;
  std::chrono::steady_clock::time_point received_at;

  // The value of a header, if present.
  std::optional<std::string> header(const std::string& name) const;
  // The value of a query parameter, if present.
  std::optional<std::string> query_param(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  HttpResponse& header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  // A JSON answer with the given status.
  static HttpResponse json(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  // An answer with no body (204, 304, preflight).
  static HttpResponse empty(int status) {
    HttpResponse r;
    r.status = status;
    r.content_type.clear();
    return r;
  }
};

}  // namespace moodgate::http
