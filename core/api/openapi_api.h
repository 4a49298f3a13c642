// The API's own description: GET /openapi.json and GET /docs (both public, no auth).
//
// The document is schema/openapi.yaml (found like the migrations: default_schema_dir()),
// converted to JSON once at start by load_openapi_document(). It is part of the product, so a
// missing, unreadable or invalid file is an Error naming the file and what is wrong, and the
// gateway does not start. GET /openapi.json serves that JSON; GET /docs serves a self-contained
// page (core/api/docs_page.html, compiled in; no external assets) that fetches it and renders
// every operation. Both answer with an ETag and `Cache-Control: no-cache`, and 304 without a body
// when If-None-Match names the ETag. /docs sends its own Content-Security-Policy, which lets the
// page run only its own inline script and style (by hash) and fetch only from its origin.
// Thread-safe once registered: the routes only read what was loaded at start.
#pragma once

#include <string>

#include "core/api/routes.h"
#include "core/common/result.h"

namespace moodgate::api {

// The document as loaded at start.
struct OpenApiDocument {
  std::string path;  // the file it was read from
  std::string json;  // the whole document as JSON text
};

// <schema_dir>/openapi.yaml.
std::string openapi_path(const std::string& schema_dir);

// Reads <schema_dir>/openapi.yaml and converts it to JSON. An Error (naming the file) when it is
// missing or unreadable, is not valid YAML, or is not an OpenAPI 3.0 document (an object with
// `openapi: 3.0.x`, `info.title`, `info.version` and `paths`).
Result<OpenApiDocument> load_openapi_document(const std::string& schema_dir);

// Registers GET /openapi.json (serving `document`) and GET /docs.
void register_openapi_api(Routes& routes, OpenApiDocument document);

// The Content-Security-Policy GET /docs answers with: 'sha256-...' sources for each inline
// <script> and <style> of the page, connect-src 'self', nothing else.
std::string docs_content_security_policy();

}  // namespace moodgate::api
