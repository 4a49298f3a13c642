#include "core/http/server.h"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>
#include <spdlog/spdlog.h>

#include <dirent.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include "core/common/threads.h"
#include "core/http/connection.h"
#include "core/http/deadline_watchdog.h"
#include "core/http/dispatcher.h"
#include "core/http/idle_connections.h"
#include "core/http/writable_watcher.h"

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

// Our part of a Pistache peer: the connection, and when Pistache's own idle clock was last
// wound (event-loop thread only).
struct PeerState {
  std::shared_ptr<Connection> connection;
  std::chrono::steady_clock::time_point wound;
};

// Connections open now and the most allowed, shared by every event loop.
struct ConnectionBudget {
  std::atomic<long> open{0};
  long max = 0;
  std::atomic<std::int64_t> last_warning_ms{0};
};

// After an answer that closes the connection, how long what the client still sends is read
// and dropped before the socket is closed (so it reads the answer, not a reset).
constexpr std::chrono::milliseconds kLingerTimeout{2000};
// Descriptors kept free for everything but client connections: the database pool, AI
// provider connections, plugins, logs.
constexpr long kReservedDescriptors = 2048;

// Raises the soft limit on open files to the hard limit and returns it.
long raise_open_files_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? 1L << 20 : static_cast<long>(limit.rlim_cur);
}

// server.max_connections, lowered (with a warning) to what the open-files limit allows.
long connection_budget(long configured) {
  const long files = raise_open_files_limit();
  const long room = files > 2 * kReservedDescriptors ? files - kReservedDescriptors : files / 2;
  if (configured <= room) return configured;
  spdlog::warn("server.max_connections = {} does not fit the open-files limit ({}); using {}",
               configured, files, room);
  return room;
}

// The ids of this process's threads (/proc/self/task).
std::set<std::string> own_thread_ids() {
  std::set<std::string> ids;
  if (DIR* dir = ::opendir("/proc/self/task")) {
    while (const dirent* e = ::readdir(dir)) {
      if (e->d_name[0] != '.') ids.insert(e->d_name);
    }
    ::closedir(dir);
  }
  return ids;
}

// Pistache's accept thread has no name and never calls us, so it cannot take one itself: the
// thread serveThreaded() started that is not an event loop (those name themselves "mg-http")
// is named from outside, through /proc, so every thread of the gateway has a name.
void name_accept_thread(const std::set<std::string>& before) {
  for (const std::string& id : own_thread_ids()) {
    if (before.count(id) > 0) continue;
    const std::string comm = "/proc/self/task/" + id + "/comm";
    std::ifstream in(comm);
    std::string name;
    std::getline(in, name);
    if (name.rfind("mg-http", 0) == 0) continue;
    std::ofstream(comm) << "mg-http-accept";
  }
}

}  // namespace

// Pistache's Http::Handler reduced to what it does well: accepting and reading sockets on its
// event loops. Requests are framed, answered and timed by Connection (connection.h), not by
// Pistache's parser, whose cost grows with the square of a long header and which is lenient
// about framing; its own timers stay far beyond ours as a safety net.
class GatewayHandler : public Ph::Handler {
 public:
  HTTP_PROTOTYPE(GatewayHandler)

  GatewayHandler(std::shared_ptr<const ConnectionContext> context,
                 std::shared_ptr<ConnectionBudget> budget)
      : context_(std::move(context)), budget_(std::move(budget)) {}

  // Never called: onInput() frames requests itself.
  void onRequest(const Ph::Request&, Ph::ResponseWriter) override {}

 private:
  void onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    take_event_loop_role();
    // Pistache's idle clock reads the peer's parser (never fed: Connection frames requests).
    peer->putData(Ph::Handler::ParserData, std::make_shared<Ph::RequestParser>(0));
    auto state = std::make_shared<PeerState>();
    state->connection = std::make_shared<Connection>(peer->fd(), peer->address().host(), context_);
    state->wound = std::chrono::steady_clock::now();
    peer->putData(kConnectionKey, state);
    const long open = budget_->open.fetch_add(1) + 1;
    if (open > budget_->max) {
      const bool made_room = make_room();
      warn_over_budget(open, made_room);
      if (made_room) {
        state->connection->open();
        return;
      }
      Error e(ErrorCode::kUnavailable, "The server has too many open connections; try again");
      state->connection->refuse(e);
      return;
    }
    state->connection->open();
  }

  void onDisconnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    budget_->open.fetch_sub(1);
    if (auto state = peer->tryGetData(kConnectionKey)) {
      std::static_pointer_cast<PeerState>(state)->connection->on_closed();
    }
  }

  void onInput(const char* buffer, size_t len,
               const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    take_event_loop_role();
    auto data = peer->tryGetData(kConnectionKey);
    if (!data) return;
    auto state = std::static_pointer_cast<PeerState>(data);
    // Pistache closes a peer whose parser has not been reset for its header timeout (our
    // safety net, set far beyond our own deadlines): wind that clock while the client talks.
    const auto now = std::chrono::steady_clock::now();
    if (now - state->wound > std::chrono::seconds(1)) {
      Ph::Handler::getParser(peer)->reset();
      state->wound = now;
    }
    state->connection->on_input(buffer, len);
  }

  // Pistache names its event-loop threads (threadsName) but knows nothing of our roles: each
  // takes its role, and a numbered name, the first time it calls us.
  static void take_event_loop_role() {
    static std::atomic<int> next_index{0};
    if (this_thread_role() == ThreadRole::kHttp) return;
    name_this_thread(ThreadRole::kHttp, "mg-http", next_index.fetch_add(1));
  }

  // Over the budget: closes the longest-idle connection for the newcomer. False when every
  // open connection is busy.
  bool make_room() {
    while (auto oldest = context_->idle->take_oldest()) {
      if (oldest->evict()) return true;
    }
    return false;
  }

  // One warning per 10 s while connections are refused, not one per connection.
  void warn_over_budget(long open, bool made_room) {
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    auto last = budget_->last_warning_ms.load();
    if (now_ms - last < 10000) return;
    if (budget_->last_warning_ms.compare_exchange_strong(last, now_ms)) {
      spdlog::warn("{} connections open (server.max_connections = {}): {}", open - 1, budget_->max,
                   made_room ? "closing the longest-idle ones for new ones"
                             : "every one is busy, refusing new ones with 503");
    }
  }

  std::shared_ptr<const ConnectionContext> context_;
  std::shared_ptr<ConnectionBudget> budget_;
};

struct HttpServer::Impl {
  config::ServerConfig config;
  std::shared_ptr<DeadlineWatchdog> watchdog;
  std::shared_ptr<Dispatcher> dispatcher;
  std::shared_ptr<WritableWatcher> writer;
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
  auto context = std::make_shared<ConnectionContext>();
  context->settings.limits =
      FramingLimits{c.max_url_bytes, c.max_header_bytes,
                    static_cast<std::size_t>(c.max_header_count), c.max_body_bytes};
  context->settings.receive_timeout = std::chrono::milliseconds(c.header_timeout_ms);
  context->settings.keepalive_timeout = std::chrono::milliseconds(c.keepalive_timeout_ms);
  context->settings.send_timeout = std::chrono::milliseconds(c.send_timeout_ms);
  context->settings.linger_timeout =
      std::min(kLingerTimeout, std::chrono::milliseconds(std::max(1, c.header_timeout_ms)));
  context->proxies = TrustedProxies(c.trusted_proxies);
  context->dispatcher = impl_->dispatcher;
  context->watchdog = impl_->watchdog;
  context->idle = std::make_shared<IdleConnections>();
  auto budget = std::make_shared<ConnectionBudget>();
  budget->max = connection_budget(c.max_connections);
  // Pistache's own timers close a connection quietly (and send a bare 408 if it thinks a
  // request is under way), so they sit beyond every deadline of ours and should never fire.
  const auto safety_net = std::chrono::milliseconds(c.header_timeout_ms) +
                          std::chrono::milliseconds(c.request_timeout_ms) +
                          std::chrono::milliseconds(c.send_timeout_ms) +
                          std::chrono::milliseconds(c.keepalive_timeout_ms) +
                          std::chrono::seconds(60);
  try {
    impl_->writer = std::make_shared<WritableWatcher>();
    context->writer = impl_->writer;
    Pistache::Address address(c.host, Pistache::Port(static_cast<std::uint16_t>(c.port)));
    impl_->endpoint = std::make_unique<Pistache::Http::Endpoint>(address);
    auto options = Pistache::Http::Endpoint::options()
                       .threads(c.io_threads)
                       .threadsName("mg-http")
                       .flags(Pistache::Tcp::Options::ReuseAddr)
                       .headerTimeout(safety_net)
                       .bodyTimeout(safety_net)
                       .keepaliveTimeout(safety_net);
    impl_->endpoint->init(options);
    impl_->endpoint->setHandler(std::make_shared<GatewayHandler>(context, budget));
    const std::set<std::string> before = own_thread_ids();
    impl_->endpoint->serveThreaded();
    name_accept_thread(before);
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
  if (impl_->writer) impl_->writer->stop();
}

}  // namespace moodgate::http
