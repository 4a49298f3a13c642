#include "core/api/openapi_api.h"

#include <rapidjson/document.h>
#include <sodium.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include "core/api/yaml_json.h"
#include "core/auth/sodium_init.h"
#include "core/http/etag.h"
#include "core/http/exchange.h"
#include "moodgate/docs_page_html.h"
#include "moodgate/json.h"

namespace moodgate::api {
namespace {

using http::HttpRequest;
using http::HttpResponse;

// A body served as is, with its validator and the headers that go with every answer for it.
struct StaticBody {
  std::string content_type;
  std::string body;
  std::string etag;
  std::vector<std::pair<std::string, std::string>> headers;
};

StaticBody make_static(std::string content_type, std::string body) {
  StaticBody s{std::move(content_type), std::move(body), "", {}};
  s.etag = http::strong_etag(s.body);
  // Caches keep it but ask each time: it changes when the gateway is upgraded.
  s.headers.emplace_back("Cache-Control", "no-cache");
  return s;
}

HttpResponse serve(const HttpRequest& request, const StaticBody& s) {
  HttpResponse r;
  if (http::if_none_match_matches(request.header("If-None-Match"), s.etag)) {
    r = HttpResponse::empty(304);
  } else {
    r.status = 200;
    r.content_type = s.content_type;
    r.body = s.body;
  }
  r.header("ETag", s.etag);
  for (const auto& [name, value] : s.headers) r.header(name, value);
  return r;
}

Error document_error(const std::string& path, const std::string& what) {
  return Error(ErrorCode::kInvalidInput, "OpenAPI document " + path + ": " + what);
}

// The checks that make the JSON an OpenAPI 3.0 document the routes and /docs can use.
Status check_document(const std::string& path, const std::string& json) {
  rapidjson::Document doc;
  if (const auto error = sdk::parse_json(json, doc))
    return document_error(path, "it " + error->describe());
  if (!doc.IsObject()) return document_error(path, "the top level must be a mapping");
  const auto openapi = doc.FindMember("openapi");
  if (openapi == doc.MemberEnd() || !openapi->value.IsString() ||
      std::string_view(openapi->value.GetString()).rfind("3.0.", 0) != 0) {
    return document_error(path, "`openapi` must be a 3.0.x version, as a string");
  }
  const auto info = doc.FindMember("info");
  if (info == doc.MemberEnd() || !info->value.IsObject() || !info->value.HasMember("title") ||
      !info->value["title"].IsString() || !info->value.HasMember("version") ||
      !info->value["version"].IsString()) {
    return document_error(path, "`info` must have a `title` and a `version`, as strings");
  }
  const auto paths = doc.FindMember("paths");
  if (paths == doc.MemberEnd() || !paths->value.IsObject()) {
    return document_error(path, "`paths` must be a mapping");
  }
  return {};
}

// "'sha256-<base64>'" for a CSP source list.
std::string csp_hash(std::string_view text) {
  auth::ensure_sodium();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(b64, sizeof b64, digest, sizeof digest, sodium_base64_VARIANT_ORIGINAL);
  return std::string("'sha256-") + b64 + "'";
}

// The hash sources of every <tag>...</tag> block of the page (tags written without attributes).
std::string inline_block_hashes(std::string_view page, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  std::string sources;
  for (std::size_t at = page.find(open); at != std::string_view::npos; at = page.find(open, at)) {
    const std::size_t start = at + open.size();
    const std::size_t end = page.find(close, start);
    if (end == std::string_view::npos) break;
    sources += " " + csp_hash(page.substr(start, end - start));
    at = end + close.size();
  }
  return sources;
}

}  // namespace

std::string openapi_path(const std::string& schema_dir) {
  return (std::filesystem::path(schema_dir) / "openapi.yaml").string();
}

Result<OpenApiDocument> load_openapi_document(const std::string& schema_dir) {
  const std::string path = openapi_path(schema_dir);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return document_error(path, "not found (set MOODGATE_SCHEMA_DIR to the schema/ folder)");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return document_error(path, "cannot be read");
  auto json = yaml_to_json(text.str());
  if (!json) return document_error(path, json.error().message);
  if (Status ok = check_document(path, *json); !ok) return std::move(ok).error();
  return OpenApiDocument{path, std::move(json).value()};
}

std::string docs_content_security_policy() {
  return "default-src 'none'; script-src" + inline_block_hashes(kDocsPageHtml, "script") +
         "; style-src" + inline_block_hashes(kDocsPageHtml, "style") +
         "; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
         "frame-ancestors 'none'";
}

void register_openapi_api(Routes& routes, OpenApiDocument document) {
  auto json = std::make_shared<const StaticBody>(
      make_static("application/json; charset=utf-8", std::move(document.json)));
  routes.add_immediate(http::Method::kGet, "/openapi.json",
                       [json](const http::HttpRequest& request) { return serve(request, *json); });

  StaticBody page = make_static("text/html; charset=utf-8", std::string(kDocsPageHtml));
  page.headers.emplace_back("Content-Security-Policy", docs_content_security_policy());
  auto docs = std::make_shared<const StaticBody>(std::move(page));
  routes.add_immediate(http::Method::kGet, "/docs",
                       [docs](const http::HttpRequest& request) { return serve(request, *docs); });
}

}  // namespace moodgate::api
