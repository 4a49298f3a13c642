#include "core/http/server.h"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>
#include <spdlog/spdlog.h>

#include <strings.h>
#include <sys/socket.h>

#include <cctype>

#include "core/http/dispatcher.h"
#include "core/http/request_id.h"
#include "core/http/url_codec.h"

namespace moodgate::http {
namespace Ph = Pistache::Http;

namespace {

constexpr const char* kDiscardKey = "moodgate.discard";

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

HttpRequest convert_request(const Ph::Request& in, const std::string& peer_ip) {
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
// plain text; ours answers them in the JSON envelope and closes the connection.
class GatewayHandler : public Ph::Handler {
 public:
  HTTP_PROTOTYPE(GatewayHandler)

  GatewayHandler(std::shared_ptr<Dispatcher> dispatcher, std::size_t max_body_bytes)
      : dispatcher_(std::move(dispatcher)), max_body_bytes_(max_body_bytes) {}

  void onRequest(const Ph::Request& request, Ph::ResponseWriter writer) override {
    handle(request, std::move(writer), request.address().host());
  }

 private:
  void onInput(const char* buffer, size_t len,
               const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    if (peer->tryGetData(kDiscardKey)) return;  // answered a framing error; closing
    auto parser = getParser(peer);
    auto& parsed = parser->request;
    try {
      if (!parser->feed(buffer, len)) {
        Error e(ErrorCode::kPayloadTooLarge, "Request is larger than the server accepts");
        e.with("limit_bytes", static_cast<long long>(max_body_bytes_));
        reject(peer, parsed.version(), e);
        parser->reset();
        return;
      }
      if (parser->parse() == Pistache::Http::Private::State::Done) {
        Ph::ResponseWriter writer(parsed.version(), transport(), this, peer);
        handle(parsed, std::move(writer), peer->address().host());
        parser->reset();
      }
    } catch (const Ph::HttpError& err) {
      const int code = err.code();
      Error e = code == 413 ? Error(ErrorCode::kPayloadTooLarge,
                                    "Request is larger than the server accepts")
                            : Error(ErrorCode::kInvalidInput, "Malformed HTTP request");
      reject(peer, parsed.version(), e);
      parser->reset();
    } catch (const std::exception& ex) {
      spdlog::debug("malformed request: {}", ex.what());
      reject(peer, parsed.version(), Error(ErrorCode::kInvalidInput, "Malformed HTTP request"));
      parser->reset();
    }
  }

  void handle(const Ph::Request& in, Ph::ResponseWriter writer, const std::string& peer_ip) {
    HttpRequest request = convert_request(in, peer_ip);
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

  // Answers a framing error (the stream cannot be trusted any more): the envelope is written
  // straight to the peer and the socket is shut down once the write has completed, since
  // Pistache itself keeps connections open whatever the Connection header says.
  void reject(const std::shared_ptr<Pistache::Tcp::Peer>& peer, Ph::Version version,
              const Error& error) {
    peer->putData(kDiscardKey, std::make_shared<bool>(true));
    HttpRequest request;
    request.received_at = std::chrono::steady_clock::now();
    request.method = Method::kOther;
    request.method_token = "-";
    request.request_id = choose_request_id(std::nullopt);
    request.peer_ip = peer->address().host();
    std::weak_ptr<Pistache::Tcp::Peer> weak = peer;
    auto transmit = [weak, version](HttpResponse&& response, std::function<void()> written) {
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
              [written](std::exception_ptr) { written(); });
    };
    dispatcher_->reject(std::move(request), error, transmit);
  }

  static std::string serialize_closing(const HttpResponse& response, Ph::Version version) {
    std::string out = version == Ph::Version::Http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += std::to_string(response.status) + " " +
           Ph::codeString(static_cast<Ph::Code>(response.status)) + "\r\n";
    if (!response.content_type.empty()) out += "Content-Type: " + response.content_type + "\r\n";
    for (const auto& [name, value] : response.headers) {
      if (strcasecmp(name.c_str(), "Connection") != 0) out += name + ": " + value + "\r\n";
    }
    out += "Connection: close\r\nContent-Length: " + std::to_string(response.body.size()) +
           "\r\n\r\n" + response.body;
    return out;
  }

  static Dispatcher::Transmit transmit_to(std::shared_ptr<Ph::ResponseWriter> writer, bool close) {
    return [writer = std::move(writer), close](HttpResponse&& response,
                                               std::function<void()> written) {
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
      sent.then([written](ssize_t) { written(); }, [written](std::exception_ptr) { written(); });
    };
  }

  std::shared_ptr<Dispatcher> dispatcher_;
  std::size_t max_body_bytes_;
};

struct HttpServer::Impl {
  config::ServerConfig config;
  std::shared_ptr<Dispatcher> dispatcher;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint;
  bool started = false;
};

HttpServer::HttpServer(const config::ServerConfig& config, Router router)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = config;
  impl_->dispatcher = std::make_shared<Dispatcher>(
      std::move(router), CorsPolicy(config.cors_allowed_origins, config.cors_max_age_s));
}

HttpServer::~HttpServer() {
  stop();
  impl_->endpoint.reset();  // only now: threads that may still send() have been stopped
}

Status HttpServer::start() {
  const auto& c = impl_->config;
  try {
    Pistache::Address address(c.host, Pistache::Port(static_cast<std::uint16_t>(c.port)));
    impl_->endpoint = std::make_unique<Pistache::Http::Endpoint>(address);
    auto options = Pistache::Http::Endpoint::options()
                       .threads(c.io_threads)
                       .threadsName("mg-http")
                       .flags(Pistache::Tcp::Options::ReuseAddr)
                       .maxRequestSize(c.max_body_bytes + c.max_header_bytes)
                       .maxResponseSize(64 * 1024 * 1024)
                       .headerTimeout(std::chrono::milliseconds(c.header_timeout_ms))
                       .bodyTimeout(std::chrono::milliseconds(c.body_timeout_ms));
    impl_->endpoint->init(options);
    impl_->endpoint->setHandler(
        std::make_shared<GatewayHandler>(impl_->dispatcher, c.max_body_bytes));
    impl_->endpoint->serveThreaded();
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
}

}  // namespace moodgate::http
