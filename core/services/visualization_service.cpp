#include "core/services/visualization_service.h"

#include <algorithm>
#include <string>
#include <utility>

#include "core/services/visualization_prompt.h"
#include "core/services/visualization_worker.h"
#include "core/store/page_cursor.h"
#include "core/store/quota_repository.h"

namespace moodgate::services {
namespace {

using Repo = store::VisualizationsRepository;

template <std::size_t N>
std::string one_of(const std::array<std::string_view, N>& allowed) {
  std::string out;
  for (std::string_view v : allowed) out.append(out.empty() ? "" : ", ").append(v);
  return out;
}

template <std::size_t N>
Result<std::string> choice(const std::optional<std::string>& given, std::string_view fallback,
                           const std::array<std::string_view, N>& allowed, const char* field) {
  if (!given) return std::string(fallback);
  if (std::find(allowed.begin(), allowed.end(), *given) == allowed.end()) {
    Error e =
        Error::invalid_input(std::string(field) + " must be one of " + one_of(allowed), field);
    e.with("allowed", one_of(allowed));
    return e;
  }
  return *given;
}

Error no_visualization() {
  return Error::not_found("No such visualization");
}

// The 429 of a user whose image queue is full. No Retry-After: the queue frees when a job
// finishes, which no window predicts.
Error queue_full(int limit) {
  Error e(ErrorCode::kQuotaExceeded,
          "You already have " + std::to_string(limit) +
              " pictures queued or being made; ask again when one of them is finished");
  e.with("capability", std::string("image"))
      .with("reason", std::string("queue"))
      .with("limit", static_cast<long long>(limit))
      .with("remaining", 0LL);
  return e;
}

}  // namespace

VisualizationService::VisualizationService(store::Database& db, VisualizationWorkers* workers,
                                           config::VisualizationsConfig config,
                                           QuotaService* quotas, const ai::AiCalls* ai)
    : db_(db), workers_(workers), config_(std::move(config)), quotas_(quotas), ai_(ai) {}

Result<store::VisualizationRow> VisualizationService::queue_within_limits(
    soci::session& sql, const std::string& user_id, const std::string& entry_id,
    const std::string& style, const std::string& aspect_ratio, long long estimate) {
  Repo repo(sql);
  if (repo.lock_and_count_unfinished(user_id) >= config_.max_queued_per_user) {
    return queue_full(config_.max_queued_per_user);
  }
  std::string reservation;
  if (quotas_ != nullptr && quotas_->enabled()) {
    const std::int64_t now = unix_now();
    store::QuotaReservation held = quotas_->reserve_on(sql, user_id, config::Capability::kImage,
                                                       estimate, now, kJobReservationTtlS);
    if (!held.granted()) return quota_exceeded(config::Capability::kImage, *held.refusal, now);
    reservation = std::move(held.id);
  }
  auto row = repo.insert_for_entry(user_id, entry_id, style, aspect_ratio, reservation);
  // An error rolls the transaction back, the reservation with it.
  if (!row) return Error::not_found("No such entry");
  return std::move(*row);
}

Result<Visualization> VisualizationService::create(const std::string& user_id,
                                                   const std::string& entry_id,
                                                   const VisualizationRequest& request) {
  auto style = choice(request.style, config_.default_style, kVisualizationStyles, "style");
  if (!style) return std::move(style).error();
  auto aspect_ratio = choice(request.aspect_ratio, kAspectRatios[0], kAspectRatios, "aspect_ratio");
  if (!aspect_ratio) return std::move(aspect_ratio).error();
  long long estimate = 0;
  if (quotas_ != nullptr && ai_ != nullptr) {
    ai::AiCall call;
    call.capability = config::Capability::kImage;
    call.task = sdk::ImageTask{"", *aspect_ratio, ""};
    estimate = ai_->estimate_micros(call);
  }
  // One transaction holds the user's queue from the count to the commit (the repository's
  // "Queue limit"): N concurrent requests with k places (or k calls of quota) left create
  // exactly k jobs.
  auto created = db_.transaction("visualizations.insert", [&](soci::session& sql) {
    return queue_within_limits(sql, user_id, entry_id, *style, *aspect_ratio, estimate);
  });
  if (!created) return std::move(created).error();
  if (workers_ != nullptr) workers_->wake();
  return std::move(created).value();
}

Result<Visualization> VisualizationService::get(const std::string& user_id, const std::string& id) {
  auto found = db_.run("visualizations.find",
                       [&](soci::session& sql) { return Repo(sql).find(user_id, id); });
  if (!found) return std::move(found).error();
  if (!*found) return no_visualization();
  return std::move(**found);
}

Result<VisualizationPage> VisualizationService::list(const std::string& user_id,
                                                     const std::optional<std::string>& entry_id,
                                                     int limit,
                                                     const std::optional<std::string>& cursor) {
  if (limit < 1 || limit > store::kMaxPageSize) {
    return Error::invalid_input("limit must be an integer from 1 to 100", "limit");
  }
  std::optional<store::PageCursor> after;
  if (cursor) {
    after = store::decode_cursor(*cursor);
    if (!after) return Error::invalid_input("cursor is not one this API gave out", "cursor");
  }
  auto rows = db_.run("visualizations.list", [&](soci::session& sql) {
    return Repo(sql).list(user_id, entry_id, limit + 1, after);
  });
  if (!rows) return std::move(rows).error();
  VisualizationPage page;
  page.items = std::move(rows).value();
  if (page.items.size() > static_cast<std::size_t>(limit)) {
    page.items.resize(static_cast<std::size_t>(limit));
    const Visualization& last = page.items.back();
    page.next_cursor = store::encode_cursor({last.created_at, last.id});
  }
  return page;
}

Status VisualizationService::remove(const std::string& user_id, const std::string& id) {
  auto removed = db_.transaction("visualizations.remove", [&](soci::session& sql) {
    Repo repo(sql);
    const auto job = repo.find(user_id, id);
    if (!job) return false;
    const auto reservation = repo.quota_reservation_of(id);
    if (!repo.remove(user_id, id)) return false;
    // A queued job made nothing yet: its quota comes back. A running one's image may be billed
    // already; its reservation stays counted until it expires.
    if (reservation && job->status == store::VisualizationStatus::kQueued) {
      store::QuotaRepository(sql).refund(*reservation);
    }
    return true;
  });
  if (!removed) return std::move(removed).error();
  if (!*removed) return no_visualization();
  return {};
}

Result<store::StoredImage> VisualizationService::image(const std::string& user_id,
                                                       const std::string& id) {
  auto stored = db_.run("visualizations.image",
                        [&](soci::session& sql) { return Repo(sql).image(user_id, id); });
  if (!stored) return std::move(stored).error();
  if (!*stored) return Error::not_found("No image for this visualization (yet)");
  return std::move(**stored);
}

}  // namespace moodgate::services
