#include "core/http/exchange.h"

#include <spdlog/spdlog.h>

#include "core/http/error_envelope.h"

namespace moodgate::http {

Exchange::Exchange(HttpRequest request, Sender sender)
    : request_(std::move(request)), sender_(std::move(sender)) {}

Exchange::~Exchange() {
  if (!replied_.load()) {
    spdlog::error("request {} ({} {}) was dropped without an answer", request_.request_id,
                  method_name(request_.method), request_.route);
    fail(Error::internal());
  }
}

void Exchange::reply(HttpResponse response) {
  if (replied_.exchange(true)) {
    spdlog::error("request {} answered twice; second answer dropped", request_.request_id);
    return;
  }
  sender_(request_, std::move(response));
}

void Exchange::fail(const Error& error) {
  reply(error_response(error, request_.request_id));
}

}  // namespace moodgate::http
