// The OpenAPI document against what the gateway really serves, through a real server and real
// HTTP: every route in the router is documented and every documented operation is served, the
// document holds together (refs resolve, auth and errors declared), GET /openapi.json and
// GET /docs answer as promised, and a missing or broken document stops start-up.
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <sodium.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/api/openapi_api.h"
#include "core/app/application.h"
#include "tests/config/scoped_env.h"
#include "tests/support/http_client.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate::testing;
namespace fs = std::filesystem;

namespace {

using Operation = std::pair<std::string, std::string>;  // {"GET", "/api/v1/entries/{id}"}

const std::vector<std::string> kHttpMethods = {"get",  "put",     "post",  "delete",
                                               "head", "options", "patch", "trace"};

// What needs no token: these operations must say `security: []`.
const std::set<Operation> kPublic = {
    {"POST", "/api/v1/auth/register"}, {"POST", "/api/v1/auth/login"},
    {"POST", "/api/v1/auth/refresh"},  {"GET", "/health"},
    {"GET", "/health/ready"},          {"GET", "/version"},
    {"GET", "/openapi.json"},          {"GET", "/docs"}};

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string str(const rapidjson::Value& v) {
  return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : std::string();
}

// GET /openapi.json, REQUIRing a 200 with a JSON body.
rapidjson::Document fetch_document(std::uint16_t port) {
  const HttpReply reply = http_request(port, "GET", "/openapi.json");
  REQUIRE(reply.status == 200);
  rapidjson::Document doc;
  doc.Parse(reply.body.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  return doc;
}

// Each operation of the document, with its path item and operation object.
template <typename Visit>
void for_each_operation(const rapidjson::Document& doc, Visit visit) {
  for (const auto& path : doc["paths"].GetObject()) {
    for (const std::string& method : kHttpMethods) {
      if (!path.value.HasMember(method.c_str())) continue;
      visit(Operation{upper(method), str(path.name)}, path.value, path.value[method.c_str()]);
    }
  }
}

// Follows `value` if it is a {"$ref": "#/..."} (once; the refs test checks they resolve).
const rapidjson::Value& follow(const rapidjson::Document& doc, const rapidjson::Value& value) {
  if (!value.IsObject() || !value.HasMember("$ref")) return value;
  const rapidjson::Value* target = rapidjson::Pointer(value["$ref"].GetString()).Get(doc);
  return target != nullptr ? *target : value;
}

void collect_refs(const rapidjson::Value& v, const std::string& at,
                  std::vector<std::pair<std::string, std::string>>& out) {
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      const std::string key = str(m.name);
      if (key == "$ref" && m.value.IsString()) out.emplace_back(at, str(m.value));
      collect_refs(m.value, at + "/" + key, out);
    }
  } else if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      collect_refs(v[i], at + "/" + std::to_string(i), out);
    }
  }
}

std::string listing(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += "\n  " + line;
  return out;
}

}  // namespace

TEST_CASE("every served route is in the OpenAPI document and every documented one is served",
          "[api][openapi]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  std::set<Operation> served;
  for (const auto& [method, pattern] : server.app().routes()) {
    if (pattern.rfind("/debug/", 0) == 0) continue;  // not part of the API
    served.emplace(moodgate::http::method_name(method), pattern);
  }
  std::set<Operation> documented;
  for_each_operation(fetch_document(server.port()),
                     [&](const Operation& op, const auto&, const auto&) { documented.insert(op); });

  std::vector<std::string> undocumented, unserved;
  for (const auto& op : served) {
    if (!documented.count(op)) undocumented.push_back(op.first + " " + op.second);
  }
  for (const auto& op : documented) {
    if (!served.count(op)) unserved.push_back(op.first + " " + op.second);
  }
  INFO("served but missing from schema/openapi.yaml:" << listing(undocumented));
  INFO("in schema/openapi.yaml but not served:" << listing(unserved));
  CHECK(undocumented.empty());
  CHECK(unserved.empty());
}

TEST_CASE("GET /openapi.json serves an OpenAPI 3.0 document whose references all resolve",
          "[api][openapi]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  const HttpReply reply = http_request(server.port(), "GET", "/openapi.json");
  REQUIRE(reply.status == 200);
  CHECK(reply.header("Content-Type").rfind("application/json", 0) == 0);
  CHECK_FALSE(reply.header("X-Request-ID").empty());
  CHECK(reply.header("Cache-Control") == "no-cache");
  const auto doc = fetch_document(server.port());
  REQUIRE(doc.HasMember("openapi"));
  CHECK(str(doc["openapi"]).rfind("3.0", 0) == 0);

  std::vector<std::pair<std::string, std::string>> refs;
  collect_refs(doc, "#", refs);
  CHECK(refs.size() > 50);
  std::vector<std::string> dangling;
  for (const auto& [at, ref] : refs) {
    const rapidjson::Pointer pointer(ref.c_str());
    if (ref.rfind("#/", 0) != 0 || !pointer.IsValid() || pointer.Get(doc) == nullptr) {
      dangling.push_back(at + ": " + ref);
    }
  }
  INFO("$refs that resolve to nothing:" << listing(dangling));
  CHECK(dangling.empty());
}

TEST_CASE("every documented operation declares its success, auth and X-Request-ID",
          "[api][openapi]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  const auto doc = fetch_document(server.port());

  // The bearer scheme applies to everything that does not opt out.
  const auto& scheme = doc["components"]["securitySchemes"]["bearerAuth"];
  CHECK(str(scheme["type"]) == "http");
  CHECK(str(scheme["scheme"]) == "bearer");
  CHECK(str(scheme["bearerFormat"]) == "JWT");
  REQUIRE(doc["security"].IsArray());
  REQUIRE(doc["security"].Size() == 1);
  CHECK(doc["security"][0].HasMember("bearerAuth"));

  std::vector<std::string> problems;
  std::set<std::string> operation_ids;
  for_each_operation(doc, [&](const Operation& op, const rapidjson::Value& path_item,
                              const rapidjson::Value& operation) {
    const std::string name = op.first + " " + op.second;
    auto problem = [&](const std::string& what) { problems.push_back(name + ": " + what); };
    if (!operation.HasMember("operationId") ||
        !operation_ids.insert(str(operation["operationId"])).second) {
      problem("no operationId, or one used twice");
    }
    if (!operation.HasMember("summary")) problem("no summary");
    if (!operation.HasMember("tags") || operation["tags"].Empty()) problem("no tag (for /docs)");

    const auto& responses = operation["responses"];
    bool success = false;
    for (const auto& r : responses.GetObject()) {
      if (str(r.name).front() == '2') success = true;
      const auto& response = follow(doc, r.value);
      if (!response.HasMember("headers") || !response["headers"].HasMember("X-Request-ID")) {
        problem(str(r.name) + " does not declare X-Request-ID");
      }
    }
    if (!success) problem("no 2xx response");

    const bool is_public = kPublic.count(op) > 0;
    const bool opts_out = operation.HasMember("security") && operation["security"].IsArray() &&
                          operation["security"].Empty();
    if (is_public != opts_out) problem(is_public ? "public but no `security: []`" : "no auth");
    const bool api = op.second.rfind("/api/v1/", 0) == 0;
    const bool sign_in = op.second == "/api/v1/auth/register" ||
                         op.second == "/api/v1/auth/login" || op.second == "/api/v1/auth/refresh";
    if (api && !sign_in && !responses.HasMember("401")) problem("no 401");

    // Path parameters: each {name} of the template is declared, required, and nothing else.
    std::set<std::string> in_template, declared;
    for (std::size_t b = op.second.find('{'); b != std::string::npos;
         b = op.second.find('{', b + 1)) {
      in_template.insert(op.second.substr(b + 1, op.second.find('}', b) - b - 1));
    }
    bool idempotent = false;
    for (const auto* list : {&path_item, &operation}) {
      if (!list->HasMember("parameters")) continue;
      for (const auto& raw : (*list)["parameters"].GetArray()) {
        const auto& p = follow(doc, raw);
        if (str(p["name"]) == "Idempotency-Key") idempotent = true;
        if (str(p["in"]) != "path") continue;
        declared.insert(str(p["name"]));
        if (!p.HasMember("required") || !p["required"].IsTrue()) problem("optional path param");
      }
    }
    if (in_template != declared) problem("path parameters do not match the template");
    const bool write = op.first == "POST" || op.first == "PATCH";
    if (idempotent != (write && !is_public)) {
      problem(idempotent ? "takes Idempotency-Key" : "does not take Idempotency-Key");
    }
  });
  INFO("problems:" << listing(problems));
  CHECK(problems.empty());
  CHECK(operation_ids.size() >= 20);
}

TEST_CASE("GET /openapi.json and GET /docs answer 304 when If-None-Match names their ETag",
          "[api][openapi]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  for (const char* path : {"/openapi.json", "/docs"}) {
    INFO(path);
    const HttpReply first = http_request(server.port(), "GET", path);
    REQUIRE(first.status == 200);
    const std::string etag = first.header("ETag");
    REQUIRE(etag.size() > 2);
    CHECK(etag.front() == '"');

    const HttpReply again = http_request(server.port(), "GET", path, "", {{"If-None-Match", etag}});
    CHECK(again.status == 304);
    CHECK(again.body.empty());
    CHECK(again.header("ETag") == etag);
    CHECK(again.header("Cache-Control") == "no-cache");
    const HttpReply listed =
        http_request(server.port(), "GET", path, "", {{"If-None-Match", "\"old\", W/" + etag}});
    CHECK(listed.status == 304);
    const HttpReply stale =
        http_request(server.port(), "GET", path, "", {{"If-None-Match", "\"0000000000000000\""}});
    CHECK(stale.status == 200);
    CHECK(stale.body == first.body);
  }
}

TEST_CASE("GET /docs is one self-contained page whose CSP admits only its own inline code",
          "[api][openapi]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  const HttpReply page = http_request(server.port(), "GET", "/docs");
  REQUIRE(page.status == 200);
  CHECK(page.header("Content-Type").rfind("text/html", 0) == 0);
  CHECK(page.header("X-Content-Type-Options") == "nosniff");
  CHECK(page.header("Cache-Control") == "no-cache");
  const std::string& html = page.body;
  const auto script_at = html.find("<script>");
  const auto script_end = html.find("</script>");
  REQUIRE(script_at != std::string::npos);
  REQUIRE(script_end != std::string::npos);
  CHECK(html.find("/openapi.json") != std::string::npos);
  CHECK(html.find("fetch(") != std::string::npos);
  // No CDN, no external asset: the machines and many deployments have no internet.
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.find("<link rel=\"stylesheet\"") == std::string::npos);

  const std::string csp = page.header("Content-Security-Policy");
  CHECK(csp == moodgate::api::docs_content_security_policy());
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("connect-src 'self'") != std::string::npos);
  CHECK(csp.find("unsafe") == std::string::npos);
  // The hash of the script as served: the browser runs it only if the two agree.
  REQUIRE(sodium_init() >= 0);
  const std::string script = html.substr(script_at + 8, script_end - script_at - 8);
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(script.data()), script.size());
  char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(b64, sizeof b64, digest, sizeof digest, sodium_base64_VARIANT_ORIGINAL);
  CHECK(csp.find(std::string("script-src 'sha256-") + b64 + "'") != std::string::npos);
}

TEST_CASE("a missing or invalid OpenAPI document is an error naming the file", "[api][openapi]") {
  TempDir dir;
  const std::string path = moodgate::api::openapi_path(dir.path().string());
  auto missing = moodgate::api::load_openapi_document(dir.path().string());
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message, Catch::Contains(path) && Catch::Contains("not found") &&
                                          Catch::Contains("MOODGATE_SCHEMA_DIR"));

  dir.write("openapi.yaml", "openapi: 3.0.3\npaths: [unclosed\n");
  auto broken = moodgate::api::load_openapi_document(dir.path().string());
  REQUIRE_FALSE(broken.ok());
  CHECK_THAT(broken.error().message,
             Catch::Contains(path) && Catch::Contains("invalid YAML") && Catch::Contains("line"));

  dir.write("openapi.yaml", "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n");
  auto old = moodgate::api::load_openapi_document(dir.path().string());
  REQUIRE_FALSE(old.ok());
  CHECK_THAT(old.error().message, Catch::Contains("`openapi` must be a 3.0.x version"));

  dir.write("openapi.yaml", "openapi: 3.0.3\ninfo: {title: t}\npaths: {}\n");
  auto no_version = moodgate::api::load_openapi_document(dir.path().string());
  REQUIRE_FALSE(no_version.ok());
  CHECK_THAT(no_version.error().message, Catch::Contains("`version`"));

  dir.write("openapi.yaml", "openapi: 3.0.3\ninfo: {title: t, version: 0.1.0}\npaths: {}\n");
  CHECK(moodgate::api::load_openapi_document(dir.path().string()).ok());
}

TEST_CASE("the gateway does not start without its OpenAPI document", "[api][openapi]") {
  // A schema folder with the migrations but no openapi.yaml.
  TempDir schema;
  for (const char* dialect : {"sqlite", "postgresql"}) {
    fs::copy(fs::path(MOODGATE_SCHEMA_DIR) / dialect, schema.path() / dialect,
             fs::copy_options::recursive);
  }
  moodgate::config::testing::ScopedEnv env("MOODGATE_SCHEMA_DIR", schema.path().string());
  auto db = make_test_database("sqlite");
  auto app = moodgate::app::Application::create(test_config(db.url()));
  REQUIRE_FALSE(app.ok());
  CHECK_THAT(app.error().message, Catch::Contains("openapi.yaml") && Catch::Contains("not found"));
}
