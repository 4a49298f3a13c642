#include "core/http/server.h"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>
#include <spdlog/spdlog.h>

#include <dirent.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cctype>

#include "core/http/client_address.h"
#include "core/http/deadline_watchdog.h"
#include "core/http/dispatcher.h"
#include "core/http/request_id.h"
#include "core/http/url_codec.h"

namespace moodgate::http {
namespace Ph = Pistache::Http;

namespace {

// Pending connections the kernel may queue for accept() (it caps this at net.core.somaxconn).
constexpr int kListenBacklog = 4096;

// Pistache 0.0.5's Endpoint::init() never hands its backlog option to the listener, which so
// stays at 128: thousands of clients connecting at once (mobile apps coming back online)
// overflow it and wait out SYN retries, seconds each. listen() on a listening socket only
// changes its backlog, so find ours (the TCP socket accepting on `port`) and call it again.
void raise_listen_backlog(std::uint16_t port) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return;
  while (const dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == ::dirfd(dir)) continue;
    int accepting = 0;
    socklen_t len = sizeof accepting;
    if (::getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) != 0 ||
        accepting == 0) {
      continue;
    }
    sockaddr_storage addr{};
    socklen_t addr_len = sizeof addr;
    if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&addr), &addr_len) != 0) {
      continue;
    }
    std::uint16_t bound = 0;
    if (addr.ss_family == AF_INET) {
      bound = ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      bound = ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
    }
    if (bound == port && ::listen(static_cast<int>(fd), kListenBacklog) != 0) {
      spdlog::warn("could not raise the listen backlog of port {}", port);
    }
  }
  ::closedir(dir);
}

constexpr const char* kConnectionKey = "moodgate.connection";

// What we track per connection, beside Pistache's parser. Touched by the connection's event
// loop and by the watchdog thread, hence atomics.
struct ConnectionState {
  std::atomic<bool> closing{false};                // an error was answered; drop further input
  std::atomic<DeadlineWatchdog::Id> receiving{0};  // deadline for the request being received
};

// A response header with a name chosen at run time. Pistache writes only typed headers into a
// response (its Raw headers are request-side), so every header we set goes out through this.
class NamedHeader : public Ph::Header::Header {
 public:
  NamedHeader(std::string name, std::string value)
      : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void write(std::ostream& os) const override { os << value_; }
#ifdef SAFE_HEADER_CAST
  uint64_t hash() const override {
    return std::hash<std::string>{}(name_);
  }
#endif

 private:
  std::string name_;
  std::string value_;
};

HttpRequest convert_request(const Ph::Request& in, const std::string& peer_ip,
                            const TrustedProxies& proxies) {
  HttpRequest out;
  out.received_at = std::chrono::steady_clock::now();
  out.method_token = Ph::methodString(in.method());
  out.method = parse_method(out.method_token);
  out.path = in.resource();
  for (auto it = in.query().parameters_begin(); it != in.query().parameters_end(); ++it) {
    out.query[percent_decode(it->first, true)] = percent_decode(it->second, true);
  }
  for (const auto& header : in.headers().list()) {
    std::ostringstream value;
    header->write(value);
    out.headers[header->name()] = value.str();
  }
  for (const auto& [name, raw] : in.headers().rawList()) out.headers[raw.name()] = raw.value();
  out.body = in.body();
  out.peer_ip = peer_ip;
  out.client_ip = proxies.client_address(peer_ip, out.header("X-Forwarded-For"));
  out.request_id = choose_request_id(out.header("X-Request-ID"));
  return out;
}

// Whether the connection stays open after this answer (HTTP/1.1 default keep-alive).
bool wants_close(const HttpRequest& request, Ph::Version version) {
  auto connection = request.header("Connection");
  std::string c = connection.value_or("");
  for (auto& ch : c) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (version == Ph::Version::Http10) return c.find("keep-alive") == std::string::npos;
  return c.find("close") != std::string::npos;
}

}  // namespace

// Pistache's Http::Handler, with our own onInput: Pistache's version answers its own errors
// (413 when the request outgrows the buffer, 400 on a malformed request line or header) as
// plain text; ours answers them in the JSON envelope and closes the connection. It also holds
// each request to server.header_timeout_ms from its first byte to its last (slow clients get
// 408 in the envelope), so Pistache's own timers, which would cut off slow handlers too, can be
// set far out of the way.
class GatewayHandler : public Ph::Handler {
 public:
  HTTP_PROTOTYPE(GatewayHandler)

  GatewayHandler(std::shared_ptr<Dispatcher> dispatcher, std::shared_ptr<DeadlineWatchdog> watchdog,
                 const config::ServerConfig& config)
      : dispatcher_(std::move(dispatcher)),
        watchdog_(std::move(watchdog)),
        max_body_bytes_(config.max_body_bytes),
        receive_timeout_(config.header_timeout_ms),
        proxies_(config.trusted_proxies) {}

  void onRequest(const Ph::Request& request, Ph::ResponseWriter writer) override {
    handle(request, std::move(writer), request.address().host());
  }

 private:
  void onInput(const char* buffer, size_t len,
               const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    auto state = connection_state(peer);
    if (state->closing.load()) return;  // answered an error; the socket is being shut
    if (state->receiving.load() == 0) start_receive_deadline(peer, state);
    auto parser = getParser(peer);
    auto& parsed = parser->request;
    try {
      if (!parser->feed(buffer, len)) {
        Error e(ErrorCode::kPayloadTooLarge, "Request is larger than the server accepts");
        e.with("limit_bytes", static_cast<long long>(max_body_bytes_));
        reject(peer, state, parsed.version(), e);
        parser->reset();
        return;
      }
      if (parser->parse() == Pistache::Http::Private::State::Done) {
        const auto id = state->receiving.exchange(0);
        if (id != 0 && !watchdog_->cancel(id)) return;  // the 408 won the race; it closes
        Ph::ResponseWriter writer(parsed.version(), transport(), this, peer);
        handle(parsed, std::move(writer), peer->address().host());
        parser->reset();
      }
    } catch (const Ph::HttpError& err) {
      const int code = err.code();
      Error e = code == 413 ? Error(ErrorCode::kPayloadTooLarge,
                                    "Request is larger than the server accepts")
                            : Error(ErrorCode::kInvalidInput, "Malformed HTTP request");
      reject(peer, state, parsed.version(), e);
      parser->reset();
    } catch (const std::exception& ex) {
      spdlog::debug("malformed request: {}", ex.what());
      reject(peer, state, parsed.version(),
             Error(ErrorCode::kInvalidInput, "Malformed HTTP request"));
      parser->reset();
    }
  }

  // Our state for a connection, made on its first input (on its event-loop thread).
  static std::shared_ptr<ConnectionState> connection_state(
      const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
    if (auto existing = peer->tryGetData(kConnectionKey)) {
      return std::static_pointer_cast<ConnectionState>(existing);
    }
    auto state = std::make_shared<ConnectionState>();
    peer->putData(kConnectionKey, state);
    return state;
  }

  // A request has begun to arrive: it must be complete within the receive timeout.
  void start_receive_deadline(const std::shared_ptr<Pistache::Tcp::Peer>& peer,
                              const std::shared_ptr<ConnectionState>& state) {
    std::weak_ptr<Pistache::Tcp::Peer> weak = peer;
    std::weak_ptr<Dispatcher> dispatcher = dispatcher_;
    state->receiving.store(watchdog_->schedule(
        std::chrono::steady_clock::now() + receive_timeout_, [weak, state, dispatcher] {
          state->receiving.store(0);
          auto p = weak.lock();
          auto d = dispatcher.lock();
          if (!p || !d || state->closing.exchange(true)) return;
          Error e(ErrorCode::kRequestTimeout, "The request was not received in time");
          d->reject(rejected_request(p), e, transmit_closing(weak, Ph::Version::Http11));
        }));
  }

  void handle(const Ph::Request& in, Ph::ResponseWriter writer, const std::string& peer_ip) {
    HttpRequest request = convert_request(in, peer_ip, proxies_);
    const bool close = wants_close(request, in.version());
    auto shared_writer = std::make_shared<Ph::ResponseWriter>(std::move(writer));
    if (request.body.size() > max_body_bytes_) {
      Error e(ErrorCode::kPayloadTooLarge, "Request body is larger than the server accepts");
      e.with("limit_bytes", static_cast<long long>(max_body_bytes_));
      dispatcher_->reject(std::move(request), e, transmit_to(shared_writer, close));
      return;
    }
    dispatcher_->dispatch(std::move(request), transmit_to(shared_writer, close));
  }

  // Answers a framing error (the stream cannot be trusted any more) and closes the connection.
  void reject(const std::shared_ptr<Pistache::Tcp::Peer>& peer,
              const std::shared_ptr<ConnectionState>& state, Ph::Version version,
              const Error& error) {
    if (state->closing.exchange(true)) return;  // the receive deadline answered already
    if (const auto id = state->receiving.exchange(0)) watchdog_->cancel(id);
    dispatcher_->reject(rejected_request(peer), error, transmit_closing(peer, version));
  }

  // The request record for an answer given before a request could be parsed.
  static HttpRequest rejected_request(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
    HttpRequest request;
    request.received_at = std::chrono::steady_clock::now();
    request.method = Method::kOther;
    request.method_token = "-";
    request.request_id = choose_request_id(std::nullopt);
    request.peer_ip = peer->address().host();
    request.client_ip = request.peer_ip;  // headers were not read: believe no proxy
    return request;
  }

  // Writes the answer straight to the peer and shuts the socket once it is written: Pistache
  // keeps connections open whatever the Connection header says. Safe from any thread.
  static Dispatcher::Transmit transmit_closing(const std::weak_ptr<Pistache::Tcp::Peer>& weak,
                                               Ph::Version version) {
    return [weak, version](HttpResponse&& response, const std::function<void()>& written) {
      auto p = weak.lock();
      if (!p) return written();
      const std::string bytes = serialize_closing(response, version);
      const int fd = p->fd();
      p->send(Pistache::RawBuffer(bytes, bytes.size()))
          .then(
              [fd, written](ssize_t) {
                ::shutdown(fd, SHUT_RDWR);
                written();
              },
              [written](const std::exception_ptr&) { written(); });
    };
  }

  static std::string serialize_closing(const HttpResponse& response, Ph::Version version) {
    std::string out = version == Ph::Version::Http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += std::to_string(response.status) + " " +
           Ph::codeString(static_cast<Ph::Code>(response.status)) + "\r\n";
    auto line = [&out](const std::string& name, const std::string& value) {
      out.append(name).append(": ").append(value).append("\r\n");
    };
    if (!response.content_type.empty()) line("Content-Type", response.content_type);
    for (const auto& [name, value] : response.headers) {
      if (strcasecmp(name.c_str(), "Connection") != 0) line(name, value);
    }
    out += "Connection: close\r\nContent-Length: " + std::to_string(response.body.size()) +
           "\r\n\r\n" + response.body;
    return out;
  }

  static Dispatcher::Transmit transmit_to(std::shared_ptr<Ph::ResponseWriter> writer, bool close) {
    return [writer = std::move(writer), close](HttpResponse&& response,
                                               const std::function<void()>& written) {
      // Repeated names (Vary from two middlewares) are joined into one list-valued header.
      HeaderMap merged;
      bool closing = close;
      for (const auto& [name, value] : response.headers) {
        if (strcasecmp(name.c_str(), "Connection") == 0) {
          closing = closing || value == "close";
          continue;
        }
        auto [it, fresh] = merged.emplace(name, value);
        if (!fresh && it->second != value) it->second += ", " + value;
      }
      auto& headers = writer->headers();
      for (const auto& [name, value] : merged) {
        headers.add(std::make_shared<NamedHeader>(name, value));
      }
      headers.add<Ph::Header::Connection>(closing ? Ph::ConnectionControl::Close
                                                  : Ph::ConnectionControl::KeepAlive);
      const auto code = static_cast<Ph::Code>(response.status);
      auto sent = response.content_type.empty()
                      ? writer->send(code, response.body)
                      : writer->send(code, response.body,
                                     Ph::Mime::MediaType::fromString(response.content_type));
      sent.then([written](ssize_t) { written(); },
                [written](const std::exception_ptr&) { written(); });
    };
  }

  std::shared_ptr<Dispatcher> dispatcher_;
  std::shared_ptr<DeadlineWatchdog> watchdog_;
  std::size_t max_body_bytes_;
  std::chrono::milliseconds receive_timeout_;
  TrustedProxies proxies_;
};

struct HttpServer::Impl {
  config::ServerConfig config;
  std::shared_ptr<DeadlineWatchdog> watchdog;
  std::shared_ptr<Dispatcher> dispatcher;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint;
  bool started = false;
};

HttpServer::HttpServer(const config::ServerConfig& config, Router router)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = config;
  impl_->watchdog = std::make_shared<DeadlineWatchdog>();
  impl_->dispatcher = std::make_shared<Dispatcher>(
      std::move(router), CorsPolicy(config.cors_allowed_origins, config.cors_max_age_s),
      impl_->watchdog, std::chrono::milliseconds(config.request_timeout_ms));
}

HttpServer::~HttpServer() {
  stop();
  impl_->endpoint.reset();  // only now: threads that may still send() have been stopped
}

Status HttpServer::start() {
  const auto& c = impl_->config;
  // Pistache's timers also run while an answer is pending and then send a bare 408, so they
  // sit beyond our own deadlines (receive, then answer) and should never fire.
  const auto safety_net =
      std::chrono::milliseconds(c.header_timeout_ms + c.request_timeout_ms + 5000);
  try {
    Pistache::Address address(c.host, Pistache::Port(static_cast<std::uint16_t>(c.port)));
    impl_->endpoint = std::make_unique<Pistache::Http::Endpoint>(address);
    auto options = Pistache::Http::Endpoint::options()
                       .threads(c.io_threads)
                       .threadsName("mg-http")
                       .flags(Pistache::Tcp::Options::ReuseAddr)
                       .maxRequestSize(c.max_body_bytes + c.max_header_bytes)
                       .maxResponseSize(std::size_t{64} << 20)
                       .headerTimeout(safety_net)
                       .bodyTimeout(safety_net);
    impl_->endpoint->init(options);
    impl_->endpoint->setHandler(
        std::make_shared<GatewayHandler>(impl_->dispatcher, impl_->watchdog, c));
    impl_->endpoint->serveThreaded();
    raise_listen_backlog(static_cast<std::uint16_t>(impl_->endpoint->getPort()));
    impl_->started = true;
  } catch (const std::exception& e) {
    impl_->endpoint.reset();
    return Error(ErrorCode::kUnavailable,
                 "cannot listen on " + c.host + ":" + std::to_string(c.port) + ": " + e.what());
  }
  return {};
}

std::uint16_t HttpServer::port() const {
  return impl_->endpoint ? static_cast<std::uint16_t>(impl_->endpoint->getPort()) : 0;
}

void HttpServer::begin_drain() {
  impl_->dispatcher->begin_drain();
}
bool HttpServer::draining() const {
  return impl_->dispatcher->draining();
}
std::size_t HttpServer::in_flight() const {
  return impl_->dispatcher->in_flight();
}
bool HttpServer::wait_idle(std::chrono::milliseconds timeout) const {
  return impl_->dispatcher->wait_idle(timeout);
}

void HttpServer::stop() {
  if (!impl_ || !impl_->started) return;
  impl_->started = false;
  impl_->endpoint->shutdown();
  impl_->watchdog->stop();  // nothing may fire into a stopped endpoint
}

}  // namespace moodgate::http
