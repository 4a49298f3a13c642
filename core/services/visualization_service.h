// VisualizationService: what the visualizations API means — accept a job for one of the
// caller's entries, show, list and delete the caller's visualizations, hand out their images.
//
// A user only ever reaches their own visualizations: another user's id is kNotFound, as is an
// entry that is not the caller's. Inputs are checked here, as values: an unknown style or
// aspect ratio, or a cursor this service did not make, is kInvalidInput naming the field and
// (for the first two) listing what is allowed. Database failures come back as the Database's
// Errors (kUnavailable, kInternal). Accepting a job wakes this instance's workers (if any);
// any instance's workers may run it. A user may have at most `max_queued_per_user` unfinished
// (queued or running) jobs: one more is kQuotaExceeded (429) with details capability "image",
// reason "queue", limit and remaining 0, exact under concurrency on every instance.
// A job also reserves the user's image quota (QuotaService, when given) in the transaction that
// queues it, at the estimate of the image chain (price_per_image; its prompt's few tokens left
// out), and holds the reservation (visualizations.quota_reservation_id) for up to
// kJobReservationTtl: the worker settles it when the image is stored and refunds it when the
// job fails for good, each in the transaction that records it; deleting a queued job refunds
// it, deleting a running one does not (its image may be billed already). Over the quota, the
// job is not queued: kQuotaExceeded from quota_exceeded() (capability "image").
// Thread-safe: every method may be called from any thread (each borrows its own session).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ai/ai_caller.h"
#include "core/common/result.h"
#include "core/config/config.h"
#include "core/services/quota_service.h"
#include "core/store/database.h"
#include "core/store/page_cursor.h"
#include "core/store/visualizations_repository.h"

namespace moodgate::services {

class VisualizationWorkers;

// How long an image job holds its quota reservation at most: jobs wait in the queue and retry
// for longer than a text call runs, and one unfinished after this costs no quota.
inline constexpr int kJobReservationTtlS = 86400;

// The aspect ratios a visualization may ask for (API.md); the first is the default.
inline constexpr std::array<std::string_view, 5> kAspectRatios = {"1:1", "3:4", "4:3", "9:16",
                                                                  "16:9"};

// A visualization as the API shows it: the row holds nothing private.
using Visualization = store::VisualizationRow;

struct VisualizationRequest {
  std::optional<std::string> style;         // default: visualizations.default_style
  std::optional<std::string> aspect_ratio;  // default: "1:1"
};

struct VisualizationPage {
  std::vector<Visualization> items;        // newest first
  std::optional<std::string> next_cursor;  // set when more items follow
};

class VisualizationService {
 public:
  // `workers` may be null (nothing to wake: another instance runs the jobs); `quotas` and `ai`
  // (which estimates an image's cost) may be null: no image quota is reserved.
  VisualizationService(store::Database& db, VisualizationWorkers* workers,
                       config::VisualizationsConfig config, QuotaService* quotas = nullptr,
                       const ai::AiCalls* ai = nullptr);

  // A queued job for the caller's entry `entry_id`; kQuotaExceeded when the caller's queue is
  // full, kNotFound when the entry is not theirs.
  Result<Visualization> create(const std::string& user_id, const std::string& entry_id,
                               const VisualizationRequest& request);
  Result<Visualization> get(const std::string& user_id, const std::string& id);
  // One page (limit 1..store::kMaxPageSize) of the caller's visualizations, of one entry if given,
  // after the page `cursor` ended.
  Result<VisualizationPage> list(const std::string& user_id,
                                 const std::optional<std::string>& entry_id, int limit,
                                 const std::optional<std::string>& cursor);
  Status remove(const std::string& user_id, const std::string& id);
  // The image of a succeeded visualization; kNotFound until then.
  Result<store::StoredImage> image(const std::string& user_id, const std::string& id);

 private:
  // Inside the enqueue's transaction: the queue limit, the image quota, the job.
  Result<store::VisualizationRow> queue_within_limits(soci::session& sql,
                                                      const std::string& user_id,
                                                      const std::string& entry_id,
                                                      const std::string& style,
                                                      const std::string& aspect_ratio,
                                                      long long estimate);

  store::Database& db_;
  VisualizationWorkers* workers_;
  const config::VisualizationsConfig config_;
  QuotaService* quotas_;
  const ai::AiCalls* ai_;
};

}  // namespace moodgate::services
