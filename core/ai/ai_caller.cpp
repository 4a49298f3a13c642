#include "core/ai/ai_caller.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <exception>
#include <memory>
#include <utility>
#include <vector>

#include "core/ai/backoff.h"
#include "core/ai/failure_text.h"

namespace moodgate::ai {
namespace {

using Clock = Timers::Clock;
using std::chrono::milliseconds;
using Outcome = std::variant<sdk::Result, sdk::Failure>;

// "message", or "message (detail)" when the transport said more: what a log line shows.
std::string described(const UpstreamFailure& f) {
  return f.detail.empty() ? f.failure.message : f.failure.message + " (" + f.detail + ")";
}

milliseconds ms_until(Clock::time_point then, Clock::time_point now) {
  return std::chrono::ceil<milliseconds>(then - now);
}

// What the plugin's code did when it should have returned a value: counted as a bad response.
template <typename F>
auto guarded(const ProviderInstance& inst, const char* step, F&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception& e) {
    // A plugin's exception may quote its request, key included.
    spdlog::error("provider {} (plugin {}) threw from {}: {}", inst.config.name, inst.plugin->name,
                  step, redact_secrets(e.what(), inst.secrets));
  } catch (...) {
    spdlog::error("provider {} (plugin {}) threw from {}", inst.config.name, inst.plugin->name,
                  step);
  }
  return sdk::Failure::of(sdk::FailureKind::kBadResponse,
                          "the provider plugin failed unexpectedly");
}

}  // namespace

bool falls_back(const sdk::Failure& f) {
  return f.retryable() || f.kind == sdk::FailureKind::kAuth;
}

bool counts_against_provider(const sdk::Failure& f) {
  return falls_back(f);
}

long long estimate_micros(const sdk::Task& task, const config::ProviderInstanceConfig& instance) {
  // About 4 characters a token for the languages the journal is written in; rounded up.
  constexpr std::size_t kCharsPerToken = 4;
  // A price per million tokens in USD is a price per token in micro-USD.
  std::size_t chars = 0;
  double micros = 0;
  if (const auto* text = std::get_if<sdk::TextTask>(&task)) {
    chars += text->system_prompt.size() + text->json_schema.size();
    for (const sdk::Message& m : text->messages) chars += m.text.size();
    const int output = std::min(text->max_output_tokens.value_or(instance.max_output_tokens),
                                instance.max_output_tokens);
    micros += static_cast<double>(output) * instance.price_output_per_million;
  } else {
    const auto& image = std::get<sdk::ImageTask>(task);
    chars += image.prompt.size();
    micros += instance.price_per_image * 1e6;
  }
  const auto tokens = static_cast<double>((chars + kCharsPerToken - 1) / kCharsPerToken);
  micros += tokens * instance.price_input_per_million;
  // Up to the whole micro-USD, but not for the last bits of a decimal price's binary error.
  return static_cast<long long>(std::ceil(micros - 1e-6));
}

double cost_of(const sdk::Result& result, const config::ProviderInstanceConfig& instance) {
  double cost =
      static_cast<double>(result.usage.input_tokens) * instance.price_input_per_million / 1e6 +
      static_cast<double>(result.usage.output_tokens) * instance.price_output_per_million / 1e6;
  if (std::holds_alternative<sdk::ImageOutput>(result.output)) cost += instance.price_per_image;
  return cost;
}

// One call's state. Lives as long as a callback of the upstream client or a wait of the timers
// holds it. Its steps run one at a time (each one is started by the end of the one before: an
// exchange's reply or a wait falling due), so nothing here needs a lock.
class AiCaller::Run : public std::enable_shared_from_this<Run> {
 public:
  Run(AiCaller& owner, AiCall call, std::function<void(AiAnswer)> done)
      : owner_(owner),
        call_(std::move(call)),
        done_(std::move(done)),
        started_(owner_.timers_.now()) {}

  // A run dropped before it finished (its wait was dropped: the client stopped) still answers.
  ~Run() {
    if (!finished_) fail(sdk::FailureKind::kUnavailable, "shutting down");
  }

  void begin() {
    set_ = owner_.registry_.current();
    chain_ = &set_->chain(call_.capability);
    if (chain_->empty()) {
      return fail(sdk::FailureKind::kInvalidRequest,
                  std::string("no provider serves \"") + capability() + "\"");
    }
    next_instance();
  }

 private:
  // The call's capability by name, for messages and logs.
  const char* capability() const { return config::to_string(call_.capability); }

  // Moves to the next instance of the chain (the first, the first time) and tries it.
  void next_instance() {
    if (index_ >= chain_->size()) return give_up();
    inst_ = (*chain_)[index_++];
    attempts_here_ = 0;
    if (owner_.budgets_ != nullptr && !owner_.budgets_->allows(inst_->config, std::time(nullptr))) {
      over_budget_.push_back(inst_->config.name);
      return next_instance();
    }
    cap_output(inst_->config.max_output_tokens);
    const auto now = owner_.timers_.now();
    instance_deadline_ = now + milliseconds(inst_->config.deadline_ms);
    if (call_.deadline && *call_.deadline < instance_deadline_) {
      instance_deadline_ = *call_.deadline;
    }
    if (instance_deadline_ <= now) {
      return fail(sdk::FailureKind::kTimeout, "the call's deadline passed");
    }
    attempt();
  }

  // A text task asks this instance for at most `limit` output tokens (or its own lower limit),
  // so what it bills stays within what the call was estimated at.
  void cap_output(int limit) {
    auto* text = std::get_if<sdk::TextTask>(&call_.task);
    if (text == nullptr) return;
    if (!asked_output_) asked_output_ = text->max_output_tokens.value_or(limit);
    text->max_output_tokens = std::min(*asked_output_, limit);
  }

  void attempt() {
    const auto now = owner_.timers_.now();
    if (!inst_->breaker->allow(now)) {
      if (attempts_here_ == 0) skipped_.push_back(inst_->config.name);
      return next_instance();
    }
    ++attempts_here_;
    ++attempts_;
    attempt_deadline_ = std::min(now + milliseconds(inst_->config.timeout_ms), instance_deadline_);
    const sdk::Start start = guarded(
        *inst_, "start()", [&]() -> sdk::Start { return inst_->provider->start(call_.task); });
    if (const auto* request = std::get_if<sdk::HttpRequest>(&start)) return send(*request);
    if (const auto* f = std::get_if<sdk::Failure>(&start)) return settle(*f);
    const auto& local = std::get<sdk::LocalAnswer>(start);
    const milliseconds left = ms_until(attempt_deadline_, now);
    const bool late = local.delay > left;
    Outcome outcome = late ? Outcome(sdk::Failure::of(sdk::FailureKind::kTimeout,
                                                      "the provider did not answer in time"))
                           : local.outcome;
    if (!late && local.delay <= milliseconds(0)) return settle(std::move(outcome));
    after(late ? left : local.delay,
          [self = shared_from_this(), outcome = std::move(outcome)] { self->settle(outcome); });
  }

  void send(sdk::HttpRequest request) {
    const milliseconds left = ms_until(attempt_deadline_, owner_.timers_.now());
    if (left <= milliseconds(0)) {
      return settle(
          sdk::Failure::of(sdk::FailureKind::kTimeout, "the provider did not answer in time"));
    }
    UpstreamLimits limits;
    limits.connect_timeout = std::min(milliseconds(inst_->config.connect_timeout_ms), left);
    limits.total_timeout = left;
    auto sent = std::make_shared<sdk::HttpRequest>(std::move(request));
    sdk::HttpRequest copy = *sent;
    owner_.client_.send(std::move(copy), limits,
                        [self = shared_from_this(), sent](UpstreamOutcome outcome) {
                          self->on_reply(*sent, std::move(outcome));
                        });
  }

  void on_reply(const sdk::HttpRequest& sent, UpstreamOutcome outcome) {
    if (auto* f = std::get_if<UpstreamFailure>(&outcome)) return settle(std::move(*f));
    const auto& reply = std::get<sdk::HttpReply>(outcome);
    sdk::Next next = guarded(*inst_, "finish()", [&]() -> sdk::Next {
      return inst_->provider->finish(call_.task, sent, reply);
    });
    if (auto* request = std::get_if<sdk::HttpRequest>(&next)) return send(std::move(*request));
    if (auto* result = std::get_if<sdk::Result>(&next)) return settle(std::move(*result));
    settle(std::get<sdk::Failure>(std::move(next)));
  }

  // An attempt ended: with a result, done; with a failure (the plugin's or the caller's own),
  // settled below.
  void settle(Outcome outcome) {
    if (auto* result = std::get_if<sdk::Result>(&outcome)) {
      inst_->breaker->on_success();
      return deliver(std::move(*result));
    }
    settle(UpstreamFailure{std::get<sdk::Failure>(std::move(outcome)), {}});
  }

  // An attempt failed: retried here, passed down the chain, or given up. The detail is what
  // the transport said beyond the failure's message (host included), for the log only.
  void settle(UpstreamFailure failed) {
    sdk::Failure& f = failed.failure;
    // A plugin may echo its own key (an upstream that quotes the request): never past here.
    f.message = redact_secrets(std::move(f.message), inst_->secrets);
    failed.detail = redact_secrets(std::move(failed.detail), inst_->secrets);
    if (counts_against_provider(f)) {
      inst_->breaker->on_failure(owner_.timers_.now());
    } else {
      inst_->breaker->on_success();  // it answered; the request was the problem
    }
    if (auto delay = retry_delay(f)) {
      spdlog::debug("ai {} {}: {} attempt {} failed ({}: {}); retrying in {} ms", capability(),
                    call_.request_id, inst_->config.name, attempts_here_,
                    sdk::failure_kind_name(f.kind), described(failed), delay->count());
      last_failure_ = std::move(failed);
      return after(*delay, [self = shared_from_this()] { self->attempt(); });
    }
    if (!falls_back(f)) return deliver(std::move(failed));
    if (index_ < chain_->size()) {
      spdlog::warn("ai {} {}: {} failed ({}: {}); falling back to {}", capability(),
                   call_.request_id, inst_->config.name, sdk::failure_kind_name(f.kind),
                   described(failed), (*chain_)[index_]->config.name);
    }
    last_failure_ = std::move(failed);
    next_instance();
  }

  // How long to wait before trying the same instance again, or nothing when it should not be.
  std::optional<milliseconds> retry_delay(const sdk::Failure& f) const {
    if (!f.retryable()) return std::nullopt;
    const int limit = f.kind == sdk::FailureKind::kBadResponse
                          ? std::min(2, inst_->config.max_attempts)
                          : inst_->config.max_attempts;
    if (attempts_here_ >= limit) return std::nullopt;
    const milliseconds delay =
        honouring(owner_.timers_.jitter(
                      backoff_ceiling(milliseconds(inst_->config.backoff_initial_ms),
                                      milliseconds(inst_->config.backoff_max_ms), attempts_here_)),
                  f.retry_after);
    // Only worth it if an attempt still fits before the deadline after waiting.
    if (owner_.timers_.now() + delay >= instance_deadline_) return std::nullopt;
    return delay;
  }

  void give_up() {
    if (last_failure_) return deliver(std::move(*last_failure_));
    const auto list = [](const std::vector<std::string>& names) {
      std::string out;
      for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
      return out;
    };
    std::string why;
    if (!skipped_.empty()) why = "circuit open: " + list(skipped_);
    if (!over_budget_.empty()) {
      why += (why.empty() ? "" : "; ") + std::string("budget spent: ") + list(over_budget_);
    }
    fail(sdk::FailureKind::kUnavailable,
         std::string("no provider for ") + capability() + " is available now (" + why + ")");
  }

  // Runs `fn` after `delay` on the timers; if they drop it (the client is stopping), the run is
  // dropped with it and its destructor answers "shutting down".
  template <typename F>
  void after(milliseconds delay, F&& fn) {
    owner_.timers_.schedule(delay, std::forward<F>(fn));
  }

  // Ends the call with a failure of the caller's own, which has no transport detail.
  void fail(sdk::FailureKind kind, std::string message) {
    deliver(UpstreamFailure{sdk::Failure::of(kind, std::move(message)), {}});
  }

  void deliver(UpstreamFailure failed) {
    const std::string provider = inst_ ? inst_->config.name : "";
    spdlog::warn("ai {} {}: failed after {} attempt(s) on {}: {}: {}", capability(),
                 call_.request_id, attempts_, provider.empty() ? "-" : provider,
                 sdk::failure_kind_name(failed.failure.kind), described(failed));
    finish(std::move(failed.failure));
  }

  void deliver(sdk::Result result) { finish(std::move(result)); }

  // Ends the call: leaves its usage record and hands the outcome to the caller.
  void finish(Outcome outcome) {
    finished_ = true;
    AiAnswer answer;
    answer.outcome = std::move(outcome);
    answer.attempts = attempts_;
    answer.latency = std::chrono::duration_cast<milliseconds>(owner_.timers_.now() - started_);
    const ProviderInstance* named = inst_                          ? inst_.get()
                                    : (chain_ && !chain_->empty()) ? (*chain_)[0].get()
                                                                   : nullptr;
    if (inst_) answer.provider = inst_->config.name;
    if (named) answer.model = named->model;
    if (answer.ok() && !answer.result().model.empty()) answer.model = answer.result().model;
    if (answer.ok() && inst_) answer.cost_usd = cost_of(answer.result(), inst_->config);
    if (owner_.usage_ != nullptr && named == nullptr && !call_.reservation_id.empty()) {
      // No instance to store a row for; the record only gives the reservation back.
      UsageRecord release;
      release.capability = call_.capability;
      release.reservation_id = call_.reservation_id;
      release.outcome = sdk::failure_kind_name(answer.failure().kind);
      release.stored = false;
      owner_.usage_->record(std::move(release));
    }
    if (owner_.usage_ != nullptr && named != nullptr) {
      UsageRecord usage;
      usage.reservation_id = call_.reservation_id;
      usage.budget_window_s =
          named->config.budget_usd.enabled() ? named->config.budget_usd.window_s : 0;
      usage.user_id = call_.user_id;
      usage.request_id = call_.request_id;
      usage.capability = call_.capability;
      usage.provider = named->config.name;
      usage.model = answer.model;
      usage.latency = answer.latency;
      usage.attempts = attempts_;
      if (answer.ok()) {
        usage.tokens_in = answer.result().usage.input_tokens;
        usage.tokens_out = answer.result().usage.output_tokens;
        usage.cost_usd = answer.cost_usd;
        usage.outcome = "ok";
      } else {
        usage.outcome = sdk::failure_kind_name(answer.failure().kind);
      }
      owner_.usage_->record(std::move(usage));
    }
    owner_.in_flight_.fetch_sub(1);
    try {
      done_(std::move(answer));
    } catch (const std::exception& e) {
      spdlog::error("ai {} {}: the caller's completion threw: {}", capability(), call_.request_id,
                    e.what());
    } catch (...) {
      spdlog::error("ai {} {}: the caller's completion threw", capability(), call_.request_id);
    }
  }

  AiCaller& owner_;
  AiCall call_;
  std::function<void(AiAnswer)> done_;
  const Clock::time_point started_;
  std::shared_ptr<const ProviderSet> set_;  // keeps the call's providers loaded until it ends
  const Chain* chain_ = nullptr;
  std::size_t index_ = 0;
  std::shared_ptr<const ProviderInstance> inst_;
  int attempts_ = 0;
  int attempts_here_ = 0;
  Clock::time_point instance_deadline_{};
  Clock::time_point attempt_deadline_{};
  std::optional<UpstreamFailure> last_failure_;
  std::vector<std::string> skipped_;  // instances passed over because their breaker was open
  std::vector<std::string> over_budget_;  // instances passed over because their budget is spent
  std::optional<int> asked_output_;  // the text task's own max_output_tokens, once capped
  bool finished_ = false;
};

AiCaller::AiCaller(const ProviderRegistry& registry, UpstreamClient& client, UsageSink* usage,
                   Timers* timers, const ProviderBudgets* budgets)
    : registry_(registry),
      client_(client),
      usage_(usage),
      budgets_(budgets),
      default_timers_(client),
      timers_(timers != nullptr ? *timers : default_timers_) {}

void AiCaller::call(AiCall call, std::function<void(AiAnswer)> done) {
  in_flight_.fetch_add(1);
  // The first step runs here, on the caller's thread (translating the task is cheap); from the
  // first exchange or wait on, the call moves to the I/O thread (or the test timers' thread).
  std::make_shared<Run>(*this, std::move(call), std::move(done))->begin();
}

long long AiCaller::estimate_micros(const AiCall& call) const {
  const std::shared_ptr<const ProviderSet> set = registry_.current();
  long long most = 0;
  for (const auto& instance : set->chain(call.capability)) {
    most = std::max(most, ai::estimate_micros(call.task, instance->config));
  }
  return most;
}

}  // namespace moodgate::ai
