#include "core/store/database_url.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace moodgate::store {
namespace {

constexpr std::string_view kField = "database.url";

Error url_error(std::string message) {
  return Error::invalid_input(std::string(kField) + ": " + std::move(message), std::string(kField));
}

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

bool is_identifier(std::string_view s) {
  return !s.empty() && s.size() <= 40 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || c == '_';
  });
}

// The libpq parameters a URL may set in its query string (libpq 15).
// clang-format off
constexpr std::array<std::string_view, 35> kLibpqParams = {
    "application_name", "channel_binding", "client_encoding", "connect_timeout", "dbname",
    "fallback_application_name", "gssencmode", "gsslib", "host", "hostaddr", "keepalives",
    "keepalives_count", "keepalives_idle", "keepalives_interval", "krbsrvname", "options",
    "passfile", "password", "port", "requirepeer", "service", "ssl_max_protocol_version",
    "ssl_min_protocol_version", "sslcert", "sslcompression", "sslcrl", "sslcrldir", "sslkey",
    "sslmode", "sslpassword", "sslrootcert", "sslsni", "target_session_attrs", "tcp_user_timeout",
    "user"};
// clang-format on

bool is_secret_param(std::string_view key) {
  return key == "password" || key == "sslpassword";
}

bool parse_int(std::string_view text, int min, int max, int* out) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return false;
  }
  *out = value;
  return true;
}

bool one_of(std::string_view value, std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

// Replaces or appends key=value, keeping first-seen order.
void set_param(std::vector<std::pair<std::string, std::string>>& params, std::string key,
               std::string value) {
  for (auto& [k, v] : params) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  params.emplace_back(std::move(key), std::move(value));
}

Status validate_param(const std::string& key, const std::string& value) {
  int n = 0;
  if (key == "sslmode" &&
      !one_of(value, {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})) {
    return url_error(
        "sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full");
  }
  if (key == "target_session_attrs" &&
      !one_of(value, {"any", "read-write", "read-only", "primary", "standby", "prefer-standby"})) {
    return url_error("target_session_attrs is not a value libpq accepts");
  }
  if ((key == "connect_timeout" || key == "keepalives_idle" || key == "keepalives_interval" ||
       key == "keepalives_count" || key == "tcp_user_timeout" || key == "keepalives") &&
      !parse_int(value, 0, 1000000, &n)) {
    return url_error(key + " must be a non-negative whole number");
  }
  return {};
}

Result<DatabaseUrl> parse_sqlite(std::string_view rest, const UrlOptions& options) {
  if (rest.empty() || rest.front() != '/') {
    return url_error(
        "a sqlite URL has no host: write sqlite:///relative/path.db or "
        "sqlite:////absolute/path.db");
  }
  std::string_view encoded = rest.substr(1);
  if (encoded.find_first_of("?#") != std::string_view::npos) {
    return url_error(
        "a sqlite URL takes no query or fragment (percent-encode '?' as %3F and '#' as %23)");
  }
  auto path = percent_decode(encoded, "the sqlite path");
  if (!path) return std::move(path).error();
  if (path->empty()) return url_error("the sqlite URL names no database file");
  if (*path == ":memory:" || path->rfind("file:", 0) == 0) {
    return url_error(
        "in-memory and file: URI databases are not supported (each pooled session would see its "
        "own database); use a file path");
  }
  if (path->back() == '/') return url_error("the sqlite path names a directory, not a file");
  // SOCI's sqlite3 backend reads db="a b" for paths with spaces but has no escape for '"', and
  // an opening quote followed by a space trips it.
  if (path->find('"') != std::string::npos) {
    return url_error("the sqlite path contains '\"', which SOCI cannot pass to SQLite");
  }
  if (is_space(path->front())) return url_error("the sqlite path starts with whitespace");

  const int busy_ms = std::max(options.busy_timeout_ms, 0);
  const int busy_s = (busy_ms + 999) / 1000;  // SOCI takes whole seconds; per-session PRAGMA
                                              // busy_timeout then sets the exact milliseconds.
  const bool quote = path->find(' ') != std::string::npos;
  DatabaseUrl out;
  out.backend = Backend::kSqlite;
  out.sqlite_path = *path;
  out.connect_string =
      "db=" + (quote ? "\"" + *path + "\"" : *path) + " timeout=" + std::to_string(busy_s);
  out.display = "sqlite:///" + std::string(encoded);
  return out;
}

struct HostPort {
  std::string host;
  std::string port;
};

Result<std::vector<HostPort>> parse_hosts(std::string_view hostlist) {
  std::vector<HostPort> hosts;
  std::size_t start = 0;
  while (true) {
    std::size_t comma = hostlist.find(',', start);
    std::string_view item = hostlist.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    std::string_view host = item;
    std::string_view port;
    if (!item.empty() && item.front() == '[') {
      std::size_t close = item.find(']');
      if (close == std::string_view::npos) return url_error("an IPv6 host lacks its closing ']'");
      host = item.substr(1, close - 1);
      std::string_view after = item.substr(close + 1);
      if (!after.empty()) {
        if (after.front() != ':') return url_error("unexpected text after an IPv6 host");
        port = after.substr(1);
      }
    } else if (std::size_t colon = item.rfind(':'); colon != std::string_view::npos) {
      host = item.substr(0, colon);
      port = item.substr(colon + 1);
    }
    int port_number = 0;
    if (!port.empty() && !parse_int(port, 1, 65535, &port_number)) {
      return url_error(
          "the port must be a number from 1 to 65535 (percent-encode ':', '@' and '/' in the "
          "user name and password)");
    }
    auto decoded = percent_decode(host, "the host");
    if (!decoded) return std::move(decoded).error();
    hosts.push_back({std::move(decoded).value(), std::string(port)});
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (hosts.size() > 1) {
    for (const auto& h : hosts) {
      if (h.host.empty()) return url_error("a host in the host list is empty");
    }
  }
  return hosts;
}

Result<DatabaseUrl> parse_postgres(std::string_view scheme, std::string_view rest,
                                   const UrlOptions& options) {
  if (rest.find('#') != std::string_view::npos) {
    return url_error("unexpected '#' (percent-encode it as %23, e.g. in the password)");
  }
  std::string_view query;
  if (std::size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);

  std::string_view userinfo;
  std::string_view hostlist = authority;
  if (std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    userinfo = authority.substr(0, at);
    hostlist = authority.substr(at + 1);
  }
  std::string_view user_enc = userinfo;
  std::string_view pass_enc;
  bool has_password = false;
  if (std::size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
    user_enc = userinfo.substr(0, colon);
    pass_enc = userinfo.substr(colon + 1);
    has_password = true;
  }
  auto user = percent_decode(user_enc, "the user name");
  if (!user) return std::move(user).error();
  auto password = percent_decode(pass_enc, "the password");
  if (!password) return std::move(password).error();
  auto hosts = parse_hosts(hostlist);
  if (!hosts) return std::move(hosts).error();
  if (path.find('/') != std::string_view::npos) {
    return url_error("the database name contains '/' (percent-encode it as %2F)");
  }
  auto dbname = percent_decode(path, "the database name");
  if (!dbname) return std::move(dbname).error();

  std::vector<std::pair<std::string, std::string>> params;
  std::string host_param;
  std::string port_param;
  bool any_port = false;
  for (const auto& h : *hosts) any_port = any_port || !h.port.empty();
  for (std::size_t i = 0; i < hosts->size(); ++i) {
    const auto& h = (*hosts)[i];
    host_param += (i ? "," : "") + h.host;
    port_param += (i ? "," : "") + (h.port.empty() ? std::string("5432") : h.port);
  }
  if (!host_param.empty()) set_param(params, "host", host_param);
  if (any_port) set_param(params, "port", port_param);
  if (!dbname->empty()) set_param(params, "dbname", *dbname);
  if (!user->empty()) set_param(params, "user", *user);
  if (has_password) set_param(params, "password", *password);

  std::string display_query;
  std::string connect_timeout = std::to_string(std::max(options.connect_timeout_s, 0));
  std::string extra_options;
  std::size_t start = 0;
  while (!query.empty() && start <= query.size()) {
    std::size_t amp = query.find('&', start);
    std::string_view item =
        query.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    start = amp == std::string_view::npos ? query.size() + 1 : amp + 1;
    if (item.empty()) continue;
    std::size_t eq = item.find('=');
    auto key = percent_decode(item.substr(0, eq), "a query parameter name");
    if (!key) return std::move(key).error();
    if (eq == std::string_view::npos) {
      return url_error(is_identifier(*key) ? "query parameter '" + *key + "' has no value"
                                           : "a query parameter has no value");
    }
    if (std::find(kLibpqParams.begin(), kLibpqParams.end(), *key) == kLibpqParams.end()) {
      return url_error(is_identifier(*key) ? "unknown parameter '" + *key +
                                                 "' (only libpq connection parameters are allowed)"
                                           : "a query parameter is not a libpq parameter");
    }
    auto value = percent_decode(item.substr(eq + 1), "the value of " + *key);
    if (!value) return std::move(value).error();
    if (auto ok = validate_param(*key, *value); !ok) return std::move(ok).error();
    display_query +=
        (display_query.empty() ? "?" : "&") + *key + "=" +
        (is_secret_param(*key) ? std::string("***") : std::string(item.substr(eq + 1)));
    if (*key == "connect_timeout") {
      connect_timeout = *value;
    } else if (*key == "options") {
      extra_options = *value;
    } else {
      set_param(params, *key, std::move(value).value());
    }
  }
  if (std::none_of(params.begin(), params.end(),
                   [](const auto& p) { return p.first == "dbname"; })) {
    return url_error("the URL names no database: postgresql://user:password@host:5432/DBNAME");
  }
  // Sessions render timestamptz in UTC and exchange UTF-8 whatever the server defaults are, and
  // NOTICEs stay off stderr (libpq would print them there, between our JSON log lines). Options
  // given in the URL come after, so they win.
  set_param(params, "options",
            "-c TimeZone=UTC -c client_min_messages=warning" +
                (extra_options.empty() ? "" : " " + extra_options));
  bool has_encoding = false;
  bool has_fallback_name = false;
  for (const auto& p : params) {
    has_encoding = has_encoding || p.first == "client_encoding";
    has_fallback_name = has_fallback_name || p.first == "fallback_application_name";
  }
  if (!has_encoding) set_param(params, "client_encoding", "UTF8");
  if (!has_fallback_name) set_param(params, "fallback_application_name", "moodgate");
  set_param(params, "connect_timeout", connect_timeout);

  auto connect_string = build_postgres_connect_string(params);
  if (!connect_string) return std::move(connect_string).error();

  DatabaseUrl out;
  out.backend = Backend::kPostgres;
  out.connect_string = std::move(connect_string).value();
  out.display = std::string(scheme) + "://";
  if (!userinfo.empty()) {
    out.display += std::string(user_enc) + (has_password ? ":***" : "") + "@";
  }
  out.display += std::string(hostlist) + "/" + std::string(path) + display_query;
  return out;
}

}  // namespace

const char* backend_name(Backend backend) {
  return backend == Backend::kSqlite ? "sqlite" : "postgresql";
}

Result<std::string> percent_decode(std::string_view text, std::string_view what) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    int hi = i + 2 < text.size() ? hex(text[i + 1]) : -1;
    int lo = i + 2 < text.size() ? hex(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return url_error("malformed percent-encoding in " + std::string(what) +
                       " (write '%' itself as %25)");
    }
    char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return url_error(std::string(what) + " contains a NUL byte (%00)");
    out += c;
    i += 2;
  }
  return out;
}

Result<std::string> build_postgres_connect_string(
    const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (!is_identifier(key)) return url_error("invalid libpq parameter name");
    if (value.find('\0') != std::string::npos) return url_error(key + " contains a NUL byte");
    const bool has_space = std::any_of(value.begin(), value.end(), is_space);
    const bool needs_quotes =
        value.empty() || has_space || value.find_first_of("'\\\"") != std::string::npos;
    if (!out.empty()) out += ' ';
    out += key;
    out += '=';
    if (!needs_quotes) {
      out += value;
      continue;
    }
    std::string escaped;  // libpq single-quoted value: backslash escapes ' and backslash
    for (char c : value) {
      if (c == '\'' || c == '\\') escaped += '\\';
      escaped += c;
    }
    if (!has_space) {
      // SOCI keeps a token without whitespace as is, unless it starts with '"' (it does not).
      out += "'" + escaped + "'";
    } else if (value.find('"') == std::string::npos) {
      // SOCI splits on whitespace except inside "...", whose quotes it strips: wrapping the
      // libpq-quoted value in "..." makes SOCI hand libpq exactly '...'.
      out += "\"'" + escaped + "'\"";
    } else {
      return url_error("the value of " + key +
                       " contains both whitespace and '\"', which SOCI 4.0.3 cannot pass to "
                       "libpq");
    }
  }
  return out;
}

Result<DatabaseUrl> parse_database_url(std::string_view url, const UrlOptions& options) {
  while (!url.empty() && is_space(url.front())) url.remove_prefix(1);
  while (!url.empty() && is_space(url.back())) url.remove_suffix(1);
  if (url.empty()) return url_error("is empty");
  std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return url_error("must start with sqlite:/// or postgresql://");
  }
  std::string scheme(url.substr(0, sep));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view rest = url.substr(sep + 3);
  if (scheme == "sqlite") return parse_sqlite(rest, options);
  if (scheme == "postgresql" || scheme == "postgres") return parse_postgres(scheme, rest, options);
  // The text before "://" may be part of a mangled password: echo it only if it looks like one.
  const bool plausible =
      scheme.size() <= 16 && std::all_of(scheme.begin(), scheme.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+';
      });
  return url_error(
      (plausible ? "unsupported scheme '" + scheme + "'" : std::string("unsupported scheme")) +
      "; use sqlite:///path/to/file.db or postgresql://user:password@host:5432/db");
}

}  // namespace moodgate::store
