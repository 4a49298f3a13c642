// The fake Gemini server itself, over real sockets: what it checks, what it answers, and that it
// holds many slow replies at once.
#include "tests/support/fake_gemini.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <latch>
#include <thread>
#include <vector>

#include "tests/support/http_client.h"

using namespace moodgate::testing;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kPath = "/v1beta/models/gemini-2.5-flash:generateContent";
const std::string kBody = R"({"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]})";
const Headers kKey = {{"x-goog-api-key", "test-key"}};

HttpReply generate(const FakeGemini& fake,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  return http_request(fake.port(), "POST", kPath, kBody, kKey, timeout);
}

std::string first_text(const HttpReply& reply) {
  const auto json = reply.json();
  return json["candidates"][0]["content"]["parts"][0]["text"].GetString();
}

std::string keep_alive_request(bool close) {
  return "POST " + kPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\nx-goog-api-key: test-key\r\n" +
         (close ? "Connection: close\r\n" : "") +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(kBody.size()) +
         "\r\n\r\n" + kBody;
}

// Reads one answer (head and Content-Length body) from a connection that stays open; returns
// the head and body, or "" when the connection ended first.
std::string read_answer(int fd) {
  std::string data;
  char buf[4096];
  for (;;) {
    const auto end = data.find("\r\n\r\n");
    if (end != std::string::npos) {
      const auto cl = data.find("Content-Length: ");
      const std::size_t length = std::stoul(data.substr(cl + 16));
      if (data.size() >= end + 4 + length) return data;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return "";
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return "";
    data.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace

TEST_CASE("a key in the x-goog-api-key header is accepted and answered with a text candidate",
          "[fake_gemini]") {
  FakeGemini fake;
  const auto reply = generate(fake);
  REQUIRE(reply.status == 200);
  CHECK(reply.header("content-type") == "application/json; charset=UTF-8");
  const auto json = reply.json();
  CHECK(std::string(json["candidates"][0]["finishReason"].GetString()) == "STOP");
  CHECK(std::string(json["candidates"][0]["content"]["role"].GetString()) == "model");
  CHECK(json["usageMetadata"]["promptTokenCount"].GetInt() == 10);
  CHECK(json["usageMetadata"]["candidatesTokenCount"].GetInt() == 20);
  CHECK(json["usageMetadata"]["totalTokenCount"].GetInt() == 30);
  CHECK(std::string(json["modelVersion"].GetString()) == "gemini-2.5-flash");
  CHECK(json.HasMember("responseId"));

  const auto requests = fake.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].path == kPath);
  CHECK(requests[0].model == "gemini-2.5-flash");
  CHECK(requests[0].api_key == "test-key");
  CHECK(requests[0].headers.at("x-goog-api-key") == "test-key");
  CHECK(requests[0].headers.at("content-type") == "application/json");
  CHECK(requests[0].body == kBody);
}

TEST_CASE("a key in the ?key= query is accepted, percent-decoded", "[fake_gemini]") {
  FakeGemini fake("k+y/1");
  const auto reply =
      http_request(fake.port(), "POST", kPath + "?alt=json&key=k%2By%2F1", kBody, {});
  CHECK(reply.status == 200);
  CHECK(fake.requests().at(0).api_key == "k+y/1");
  CHECK(fake.requests().at(0).query == "alt=json&key=k%2By%2F1");
}

TEST_CASE(
    "a wrong key is refused with 400 API_KEY_INVALID and a missing one with 403, as Google "
    "does, without using the script",
    "[fake_gemini]") {
  FakeGemini fake;
  fake.enqueue(text_reply("scripted"));

  const auto wrong = http_request(fake.port(), "POST", kPath, kBody, {{"X-Goog-Api-Key", "nope"}});
  REQUIRE(wrong.status == 400);
  CHECK(wrong.header("content-type") == "application/json; charset=UTF-8");
  const auto json = wrong.json();
  CHECK(json["error"]["code"].GetInt() == 400);
  CHECK(std::string(json["error"]["status"].GetString()) == "INVALID_ARGUMENT");
  CHECK(std::string(json["error"]["message"].GetString()) ==
        "API key not valid. Please pass a valid API key.");
  const auto& detail = json["error"]["details"][0];
  CHECK(std::string(detail["@type"].GetString()) == "type.googleapis.com/google.rpc.ErrorInfo");
  CHECK(std::string(detail["reason"].GetString()) == "API_KEY_INVALID");
  CHECK(std::string(detail["domain"].GetString()) == "googleapis.com");

  const auto missing = http_request(fake.port(), "POST", kPath, kBody, {});
  CHECK(missing.status == 403);
  CHECK(std::string(missing.json()["error"]["status"].GetString()) == "PERMISSION_DENIED");

  CHECK(fake.request_count() == 2);
  CHECK(fake.requests()[0].api_key == "nope");
  CHECK(first_text(generate(fake)) == "scripted");
}

TEST_CASE("queued replies are served in order, then the fallback answers", "[fake_gemini]") {
  FakeGemini fake;
  fake.enqueue(text_reply("first"));
  fake.enqueue(error_reply(503, "UNAVAILABLE", "The model is overloaded. Please try again later."));
  fake.enqueue(text_reply("third"));
  fake.set_fallback(
      [](const FakeGeminiRequest& request) { return text_reply("fallback for " + request.model); });

  CHECK(first_text(generate(fake)) == "first");
  const auto overloaded = generate(fake);
  CHECK(overloaded.status == 503);
  CHECK(std::string(overloaded.json()["error"]["status"].GetString()) == "UNAVAILABLE");
  CHECK(first_text(generate(fake)) == "third");
  CHECK(first_text(generate(fake)) == "fallback for gemini-2.5-flash");
  CHECK(first_text(generate(fake)) == "fallback for gemini-2.5-flash");
  CHECK(fake.request_count() == 5);
}

TEST_CASE("the default fallback names the requested model", "[fake_gemini]") {
  FakeGemini fake;
  const auto reply = http_request(fake.port(), "POST",
                                  "/v1beta/models/gemini-2.5-pro:generateContent", kBody, kKey);
  CHECK(std::string(reply.json()["modelVersion"].GetString()) == "gemini-2.5-pro");
}

TEST_CASE("a rate-limited reply carries QuotaFailure and RetryInfo with the delay in the body",
          "[fake_gemini]") {
  FakeGemini fake;
  fake.enqueue(rate_limited_reply("26s"));
  const auto reply = generate(fake);
  REQUIRE(reply.status == 429);
  const auto json = reply.json();
  CHECK(json["error"]["code"].GetInt() == 429);
  CHECK(std::string(json["error"]["status"].GetString()) == "RESOURCE_EXHAUSTED");
  const auto& details = json["error"]["details"];
  REQUIRE(details.Size() == 2);
  CHECK(std::string(details[0]["@type"].GetString()) ==
        "type.googleapis.com/google.rpc.QuotaFailure");
  CHECK(std::string(details[0]["violations"][0]["quotaId"].GetString()) ==
        "GenerateContentInputTokensPerModelPerMinute-FreeTier");
  CHECK(std::string(details[1]["@type"].GetString()) == "type.googleapis.com/google.rpc.RetryInfo");
  CHECK(std::string(details[1]["retryDelay"].GetString()) == "26s");
  CHECK_FALSE(reply.has_header("retry-after"));
}

TEST_CASE("thought parts are marked and counted", "[fake_gemini]") {
  FakeGemini fake;
  fake.enqueue(text_reply_with_thoughts("Let me think.", "The answer."));
  fake.enqueue(text_reply("thinking hard", 5, 7, 11));
  const auto json = generate(fake).json();
  const auto& parts = json["candidates"][0]["content"]["parts"];
  REQUIRE(parts.Size() == 2);
  CHECK(parts[0]["thought"].GetBool());
  CHECK(std::string(parts[0]["text"].GetString()) == "Let me think.");
  CHECK_FALSE(parts[1].HasMember("thought"));
  CHECK(std::string(parts[1]["text"].GetString()) == "The answer.");
  CHECK(json["usageMetadata"]["thoughtsTokenCount"].GetInt() == 30);

  const auto counted = generate(fake).json();
  const auto& usage = counted["usageMetadata"];
  CHECK(usage["thoughtsTokenCount"].GetInt() == 11);
  CHECK(usage["totalTokenCount"].GetInt() == 23);
}

TEST_CASE("an image reply carries the image as base64 inlineData after a text part",
          "[fake_gemini]") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("M") == "TQ==");
  CHECK(base64_encode("Ma") == "TWE=");
  CHECK(base64_encode("Man") == "TWFu");
  CHECK(base64_encode(std::string("\xff\xfe\x00", 3)) == "//4A");

  FakeGemini fake;
  fake.enqueue(image_reply(tiny_png()));
  fake.enqueue(image_reply("Ma", "image/jpeg", true, "gemini-3-pro-image-preview"));

  const auto json = generate(fake).json();
  const auto& parts = json["candidates"][0]["content"]["parts"];
  REQUIRE(parts.Size() == 2);
  CHECK(parts[0].HasMember("text"));
  CHECK(std::string(parts[1]["inlineData"]["mimeType"].GetString()) == "image/png");
  CHECK(std::string(parts[1]["inlineData"]["data"].GetString()) == base64_encode(tiny_png()));
  CHECK(std::string(json["modelVersion"].GetString()) == "gemini-2.5-flash-image");
  const auto& details = json["usageMetadata"]["candidatesTokensDetails"][0];
  CHECK(std::string(details["modality"].GetString()) == "IMAGE");
  CHECK(details["tokenCount"].GetInt() == 1290);

  const auto thinking = generate(fake).json();
  const auto& thought_parts = thinking["candidates"][0]["content"]["parts"];
  REQUIRE(thought_parts.Size() == 4);
  CHECK(thought_parts[1]["thought"].GetBool());
  CHECK(std::string(thought_parts[1]["inlineData"]["data"].GetString()) ==
        base64_encode(tiny_png()));
  CHECK(std::string(thought_parts[3]["inlineData"]["mimeType"].GetString()) == "image/jpeg");
  CHECK(std::string(thought_parts[3]["inlineData"]["data"].GetString()) == "TWE=");
  CHECK_FALSE(thought_parts[3].HasMember("thought"));
}

TEST_CASE("a blocked prompt, a refused candidate and a broken body look as Gemini sends them",
          "[fake_gemini]") {
  FakeGemini fake;
  fake.enqueue(blocked_prompt_reply());
  fake.enqueue(finish_reason_reply("IMAGE_SAFETY"));
  fake.enqueue(malformed_json_reply());
  fake.enqueue(model_not_found_reply("gemini-1.0-pro"));

  const auto blocked = generate(fake);
  CHECK(blocked.status == 200);
  CHECK_FALSE(blocked.json().HasMember("candidates"));
  CHECK(std::string(blocked.json()["promptFeedback"]["blockReason"].GetString()) == "SAFETY");

  const auto refused = generate(fake).json();
  CHECK(std::string(refused["candidates"][0]["finishReason"].GetString()) == "IMAGE_SAFETY");
  CHECK(refused["candidates"][0]["content"].ObjectEmpty());

  const auto broken = generate(fake);
  CHECK(broken.status == 200);
  CHECK_THROWS(broken.json());

  const auto retired = generate(fake);
  CHECK(retired.status == 404);
  CHECK(std::string(retired.json()["error"]["status"].GetString()) == "NOT_FOUND");
}

TEST_CASE("unknown paths, other methods and streaming answer 404 NOT_FOUND", "[fake_gemini]") {
  FakeGemini fake;
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/v1beta/models/gemini-2.5-flash:countTokens"},
           {"POST", "/v1/chat/completions"},
           {"GET", kPath},
           {"POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"}}) {
    const auto reply = http_request(fake.port(), method, target, kBody, kKey);
    CHECK(reply.status == 404);
    CHECK(std::string(reply.json()["error"]["status"].GetString()) == "NOT_FOUND");
  }
  CHECK(fake.request_count() == 4);
}

TEST_CASE(
    "a request body that is not JSON, or has no contents, is refused with 400 "
    "INVALID_ARGUMENT",
    "[fake_gemini]") {
  FakeGemini fake;
  for (const std::string body : {"{not json", "", "[1]", "{}", R"({"contents": []})"}) {
    const auto reply = http_request(fake.port(), "POST", kPath, body, kKey);
    CHECK(reply.status == 400);
    CHECK(std::string(reply.json()["error"]["status"].GetString()) == "INVALID_ARGUMENT");
  }
}

TEST_CASE("chunked and malformed requests are refused", "[fake_gemini]") {
  FakeGemini fake;
  const auto chunked =
      http_raw(fake.port(), "POST " + kPath +
                                " HTTP/1.1\r\nHost: x\r\nx-goog-api-key: test-key\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
  CHECK(chunked.status == 411);
  CHECK(http_raw(fake.port(), "garbage\r\n\r\n").status == 400);
  CHECK(http_raw(fake.port(), "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n").status == 400);
  CHECK(fake.request_count() == 0);
}

TEST_CASE("a keep-alive connection carries several requests, and Connection: close ends it",
          "[fake_gemini]") {
  FakeGemini fake;
  const int fd = connect_to(fake.port());
  REQUIRE(fd >= 0);
  for (int i = 0; i < 3; ++i) {
    const std::string request = keep_alive_request(i == 2);
    REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size()));
    const std::string answer = read_answer(fd);
    INFO(answer);
    REQUIRE(answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(answer.find(i == 2 ? "Connection: close" : "Connection: keep-alive") !=
          std::string::npos);
  }
  char byte;
  pollfd p{fd, POLLIN, 0};
  REQUIRE(::poll(&p, 1, 5000) == 1);
  CHECK(::recv(fd, &byte, 1, 0) == 0);  // the server closed
  ::close(fd);
  CHECK(fake.request_count() == 3);
  CHECK(fake.connections_accepted() == 1);
}

TEST_CASE("a delayed reply takes at least its delay", "[fake_gemini]") {
  FakeGemini fake;
  auto reply = text_reply("late");
  reply.delay = std::chrono::milliseconds(300);
  fake.enqueue(reply);
  const auto start = Clock::now();
  const auto answer = generate(fake);
  CHECK(Clock::now() - start >= std::chrono::milliseconds(300));
  CHECK(first_text(answer) == "late");
}

TEST_CASE("a hanging reply never answers, and the connection closes when the client leaves",
          "[fake_gemini]") {
  FakeGemini fake;
  auto reply = text_reply("never");
  reply.hang = true;
  fake.enqueue(reply);
  const auto answer = generate(fake, std::chrono::milliseconds(300));
  CHECK(answer.status == 0);
  CHECK(fake.request_count() == 1);
  for (int i = 0; i < 100 && fake.open_connections() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(fake.open_connections() == 0);
  CHECK(generate(fake).status == 200);  // the loop is not stuck
}

TEST_CASE("a truncated reply promises more body than it sends, then closes", "[fake_gemini]") {
  FakeGemini fake;
  auto reply = text_reply("a reply long enough to be cut in half");
  reply.truncate = true;
  fake.enqueue(reply);
  const auto answer = generate(fake);
  // The client sees either the short body or, should the close race it, no answer at all.
  if (answer.status != 0) {
    CHECK(answer.status == 200);
    CHECK(answer.body.size() == reply.body.size() / 2);
    CHECK(std::stoul(answer.header("content-length")) == reply.body.size());
    CHECK_THROWS(answer.json());
  }
  CHECK(fake.request_count() == 1);
}

TEST_CASE("a client expecting 100-continue is told to continue before it sends the body",
          "[fake_gemini]") {
  FakeGemini fake;
  const int fd = connect_to(fake.port());
  REQUIRE(fd >= 0);
  const std::string head = "POST " + kPath +
                           " HTTP/1.1\r\nHost: 127.0.0.1\r\nx-goog-api-key: test-key\r\n"
                           "Expect: 100-continue\r\nContent-Length: " +
                           std::to_string(kBody.size()) + "\r\n\r\n";
  REQUIRE(::send(fd, head.data(), head.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(head.size()));
  std::string interim(25, '\0');
  pollfd p{fd, POLLIN, 0};
  REQUIRE(::poll(&p, 1, 5000) == 1);
  REQUIRE(::recv(fd, interim.data(), interim.size(), MSG_WAITALL) == 25);
  CHECK(interim == "HTTP/1.1 100 Continue\r\n\r\n");
  REQUIRE(::send(fd, kBody.data(), kBody.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(kBody.size()));
  CHECK(read_answer(fd).rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  ::close(fd);
}

TEST_CASE("200 connections each delayed 500 ms are all answered at once", "[fake_gemini]") {
  FakeGemini fake;
  fake.set_fallback([](const FakeGeminiRequest&) {
    auto reply = text_reply("slow");
    reply.delay = std::chrono::milliseconds(500);
    return reply;
  });
  constexpr int kClients = 200;
  std::atomic<int> ok{0};
  std::latch ready(kClients + 1);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&] {
      ready.arrive_and_wait();
      if (generate(fake, std::chrono::seconds(30)).status == 200) ++ok;
    });
  }
  const auto start = Clock::now();
  ready.arrive_and_wait();
  for (auto& t : clients) t.join();
  const auto elapsed = Clock::now() - start;
  CHECK(ok == kClients);
  CHECK(elapsed >= std::chrono::milliseconds(500));
  CHECK(elapsed < std::chrono::seconds(20));
  CHECK(fake.max_concurrent_connections() == kClients);
  CHECK(fake.connections_accepted() == kClients);
  CHECK(fake.request_count() == kClients);
}

TEST_CASE("1,000 requests in flight at once from one client thread are all answered",
          "[fake_gemini]") {
  FakeGemini fake;  // also raises the open-file limit for both ends
  fake.set_fallback([](const FakeGeminiRequest&) {
    auto reply = text_reply("slow");
    reply.delay = std::chrono::milliseconds(500);
    return reply;
  });
  constexpr int kClients = 1000;
  std::vector<int> fds;
  const std::string request = keep_alive_request(true);
  for (int i = 0; i < kClients; ++i) {
    fds.push_back(connect_to(fake.port()));
    REQUIRE(fds.back() >= 0);
    REQUIRE(::send(fds.back(), request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size()));
  }
  // Each answer ends with the server closing; read every connection to its end.
  std::vector<std::string> answers(kClients);
  std::vector<pollfd> polls;
  for (int fd : fds) polls.push_back({fd, POLLIN, 0});
  int open = kClients;
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  char buf[4096];
  while (open > 0 && Clock::now() < deadline) {
    if (::poll(polls.data(), polls.size(), 1000) < 0) break;
    for (int i = 0; i < kClients; ++i) {
      if (polls[i].fd < 0 || polls[i].revents == 0) continue;
      const ssize_t n = ::recv(polls[i].fd, buf, sizeof buf, 0);
      if (n > 0) {
        answers[i].append(buf, static_cast<std::size_t>(n));
      } else {
        ::close(polls[i].fd);
        polls[i].fd = -1;
        --open;
      }
    }
  }
  for (auto& p : polls) {
    if (p.fd >= 0) ::close(p.fd);
  }
  int ok = 0;
  for (const auto& answer : answers) {
    if (answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0 && answer.find("\"slow\"") != std::string::npos)
      ++ok;
  }
  CHECK(ok == kClients);
  CHECK(fake.max_concurrent_connections() == kClients);
}
