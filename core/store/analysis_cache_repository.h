// AnalysisCacheRepository: the analysis_cache table, provider answers kept so that an identical
// analysis request (same capability, provider, model and prompt, hashed into cache_key by the
// caller) is answered from the database instead of paying the provider again.
//
// Rows expire (expires_at); get() ignores expired ones and purge_expired() deletes them.
// Same usage rules as the other repositories: works on a borrowed session, throws SOCI
// exceptions on database errors. Not thread-safe.
#pragma once

#include <optional>
#include <string>

#include "core/store/database_url.h"

namespace soci {
class session;
}

namespace moodgate::store {

struct CachedAnswer {
  std::string provider;
  std::string model;
  std::string result_json;
};

class AnalysisCacheRepository {
 public:
  explicit AnalysisCacheRepository(soci::session& sql);

  // The answer stored under `key`, unless it expired before `now` (RFC 3339 ms).
  std::optional<CachedAnswer> get(const std::string& key, const std::string& now);
  // Stores (or replaces) the answer under `key` until `expires_at`.
  void put(const std::string& key, const CachedAnswer& answer, const std::string& now,
           const std::string& expires_at);
  // Deletes the answers expired before `now`; returns how many.
  long long purge_expired(const std::string& now);

 private:
  soci::session& sql_;
  Backend backend_;
};

}  // namespace moodgate::store
