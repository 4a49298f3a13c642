#include "bench/attack/tactics.h"

#include <string>
#include <vector>

namespace moodgate::bench {
namespace {

constexpr std::string_view kHost = "Host: 127.0.0.1\r\n";

using Bytes = std::shared_ptr<const std::string>;

Bytes bytes(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

std::string repeat(std::string_view unit, std::size_t times) {
  std::string out;
  out.reserve(unit.size() * times);
  for (std::size_t i = 0; i < times; ++i) out += unit;
  return out;
}

std::string post(std::string_view path, std::string_view body) {
  return "POST " + std::string(path) + " HTTP/1.1\r\n" + std::string(kHost) +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + std::string(body);
}

// Plans taken in turn, whichever connection asks.
std::function<Plan(std::uint64_t)> in_turn(std::vector<Plan> plans) {
  return [plans = std::move(plans)](std::uint64_t n) { return plans[n % plans.size()]; };
}

Plan one_answer_then(Bytes request, Plan::Then then) {
  Plan plan;
  plan.bytes = std::move(request);
  plan.then = then;
  return plan;
}

}  // namespace

Tactic header_flood(const FloodSettings& settings) {
  const std::string get = "GET /health HTTP/1.1\r\n" + std::string(kHost);
  std::string many_headers = get;
  for (int i = 0; i < 10000; ++i) many_headers += "X-H" + std::to_string(i) + ": v\r\n";
  const std::size_t big = settings.big_bytes;
  std::vector<Plan> plans = {
      one_answer_then(bytes(get + "X-Big: " + std::string(big, 'a') + "\r\n\r\n"),
                      Plan::Then::kReconnect),
      one_answer_then(
          bytes("GET /" + std::string(big, 'u') + " HTTP/1.1\r\n" + std::string(kHost) + "\r\n"),
          Plan::Then::kReconnect),
      one_answer_then(bytes(many_headers + "\r\n"), Plan::Then::kReconnect),
  };
  for (Plan& plan : plans) plan.send_all = settings.send_all;
  Tactic t;
  t.connections = settings.connections;
  t.opens_per_s = 10000;
  t.bytes_per_s = settings.bytes_per_s;
  t.plan = in_turn(std::move(plans));
  return t;
}

Tactic idle_holders(int connections) {
  Tactic t;
  t.connections = connections;
  t.opens_per_s = 5000;
  // Beyond max_connections every retry is refused at once: retrying at full speed would turn
  // holding into a connect flood, and spend the tool's CPU on it.
  t.after_refusal = std::chrono::milliseconds(100);
  t.plan = in_turn({one_answer_then(nullptr, Plan::Then::kReconnect)});
  return t;
}

Tactic deep_nesting(int connections) {
  Tactic t;
  t.connections = connections;
  t.opens_per_s = 100;
  t.plan = in_turn({
      one_answer_then(bytes(post("/api/v1/auth/refresh", std::string(110000, '['))),
                      Plan::Then::kNext),
      one_answer_then(bytes(post("/api/v1/auth/login", repeat("{\"a\":", 150000))),
                      Plan::Then::kNext),
  });
  return t;
}

Tactic slowloris(int connections) {
  Tactic t;
  t.connections = connections;
  t.opens_per_s = 2000;
  t.trickle = std::chrono::seconds(1);
  // Far longer than any header deadline lets it send at a byte a second.
  t.plan = in_turn({one_answer_then(
      bytes("GET /health HTTP/1.1\r\n" + std::string(kHost) + "X-Slow: " + std::string(4096, 's')),
      Plan::Then::kReconnect)});
  return t;
}

Tactic pipelining_and_smuggling(int connections) {
  const std::string smuggled = "GET /health?smuggled HTTP/1.1\r\n" + std::string(kHost) + "\r\n";
  const std::string login = "POST /api/v1/auth/login HTTP/1.1\r\n" + std::string(kHost);
  Plan burst;
  burst.bytes = bytes(repeat("GET /health HTTP/1.1\r\n" + std::string(kHost) + "\r\n", 8) +
                      repeat("GET /api/v1/nowhere HTTP/1.1\r\n" + std::string(kHost) + "\r\n", 8));
  burst.requests = 16;
  burst.answers = 16;
  auto refused = [&](std::string head_and_body) {
    Plan plan = one_answer_then(bytes(head_and_body + smuggled), Plan::Then::kAwaitClose);
    plan.requests = 2;  // the smuggled one must never be answered
    return plan;
  };
  Tactic t;
  t.connections = connections;
  t.opens_per_s = 1000;
  t.pause = std::chrono::milliseconds(10);
  t.plan = in_turn({
      burst,
      refused(login + "Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}"),
      burst,
      refused(login + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n"),
      burst,
      refused(login + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
      burst,
      refused("GET /health HTTP/1.1\r\n" + std::string(kHost) + std::string(kHost) + "\r\n"),
      burst,
      refused(login + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
  });
  return t;
}

}  // namespace moodgate::bench
