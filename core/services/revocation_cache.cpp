#include "core/services/revocation_cache.h"

namespace moodgate::services {

RevocationCache::RevocationCache(std::chrono::milliseconds ttl, std::size_t capacity)
    : ttl_(ttl), capacity_(capacity) {}

std::optional<bool> RevocationCache::get(const std::string& jti) {
  if (!enabled()) return std::nullopt;
  std::lock_guard lock(mu_);
  const auto it = entries_.find(jti);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expires <= Clock::now()) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.allowed;
}

void RevocationCache::put(const std::string& jti, bool allowed) {
  if (!enabled()) return;
  const Clock::time_point now = Clock::now();
  std::lock_guard lock(mu_);
  if (entries_.size() >= capacity_) {
    std::erase_if(entries_, [now](const auto& kv) { return kv.second.expires <= now; });
    if (entries_.size() >= capacity_) entries_.clear();
  }
  entries_[jti] = Entry{allowed, now + ttl_};
}

void RevocationCache::clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

}  // namespace moodgate::services
