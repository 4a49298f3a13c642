#include "core/store/idempotency_repository.h"

#include <soci/soci.h>

#include "core/store/sql_dialect.h"
#include "core/store/statement.h"

namespace moodgate::store {

IdempotencyRepository::IdempotencyRepository(soci::session& sql)
    : sql_(sql), backend_(backend_of(sql)) {}

IdempotencyClaim IdempotencyRepository::claim(const std::string& user_id, const std::string& key,
                                              const std::string& request_hash,
                                              const std::string& now, const std::string& expires_at,
                                              const std::string& stale_before) {
  IdempotencyClaim out;
  // Claims the key if no row holds it; whether it did.
  auto insert_claim = [&] {
    return execute_counted(
               sql_,
               "INSERT INTO idempotency_keys (user_id, key, request_hash, status, created_at,"
               " expires_at) VALUES (:user_id, :key, :hash, 'in_progress', " +
                   time_param(backend_, "now") + ", " + time_param(backend_, "expires_at") +
                   ") ON CONFLICT (user_id, key) DO NOTHING",
               soci::use(user_id, "user_id"), soci::use(key, "key"),
               soci::use(request_hash, "hash"), soci::use(now, "now"),
               soci::use(expires_at, "expires_at")) > 0;
  };
  if (insert_claim()) return out;

  std::string stored_hash, status, headers, body;
  int response_status = 0;
  int expired = 0, stale = 0;
  soci::indicator status_ind = soci::i_null, headers_ind = soci::i_null, body_ind = soci::i_null;
  const std::string lock = backend_ == Backend::kPostgres ? " FOR UPDATE" : "";
  sql_ << "SELECT request_hash, status, response_status, response_headers, response_body,"
          " CASE WHEN expires_at <= " +
              time_param(backend_, "now") +
              " THEN 1 ELSE 0 END, CASE WHEN status = 'in_progress' AND created_at < " +
              time_param(backend_, "stale_before") +
              " THEN 1 ELSE 0 END FROM idempotency_keys WHERE user_id = :user_id AND key = :key" +
              lock,
      soci::use(now, "now"), soci::use(stale_before, "stale_before"), soci::use(user_id, "user_id"),
      soci::use(key, "key"), soci::into(stored_hash), soci::into(status),
      soci::into(response_status, status_ind), soci::into(headers, headers_ind),
      soci::into(body, body_ind), soci::into(expired), soci::into(stale);
  if (!sql_.got_data()) {
    // Gone while this claim waited for the row's lock: released, or deleted by a concurrent
    // claim that took it over and may have claimed it anew. Claim it only if no one has.
    if (!insert_claim()) out.outcome = IdempotencyClaim::Outcome::kBusy;
    return out;
  }
  if (expired == 1 || stale == 1) {
    // Expired, or abandoned by a dead instance: claim it afresh (this claim holds its lock).
    sql_ << "DELETE FROM idempotency_keys WHERE user_id = :user_id AND key = :key",
        soci::use(user_id, "user_id"), soci::use(key, "key");
    sql_ << "INSERT INTO idempotency_keys (user_id, key, request_hash, status, created_at,"
            " expires_at) VALUES (:user_id, :key, :hash, 'in_progress', " +
                time_param(backend_, "now") + ", " + time_param(backend_, "expires_at") + ")",
        soci::use(user_id, "user_id"), soci::use(key, "key"), soci::use(request_hash, "hash"),
        soci::use(now, "now"), soci::use(expires_at, "expires_at");
    return out;
  }
  if (stored_hash != request_hash) {
    out.outcome = IdempotencyClaim::Outcome::kMismatch;
  } else if (status == "completed") {
    out.outcome = IdempotencyClaim::Outcome::kReplay;
    out.response.status = response_status;
    out.response.headers_json = headers_ind == soci::i_ok ? headers : "{}";
    out.response.body = body_ind == soci::i_ok ? body : "";
  } else {
    out.outcome = IdempotencyClaim::Outcome::kBusy;
  }
  return out;
}

bool IdempotencyRepository::complete(const std::string& user_id, const std::string& key,
                                     const std::string& request_hash,
                                     const StoredResponse& response) {
  return execute_counted(sql_,
                         "UPDATE idempotency_keys SET status = 'completed',"
                         " response_status = :status, response_headers = :headers,"
                         " response_body = :body WHERE user_id = :user_id AND key = :key"
                         " AND request_hash = :hash AND status = 'in_progress'",
                         soci::use(response.status, "status"),
                         soci::use(response.headers_json, "headers"),
                         soci::use(response.body, "body"), soci::use(user_id, "user_id"),
                         soci::use(key, "key"), soci::use(request_hash, "hash")) > 0;
}

void IdempotencyRepository::release(const std::string& user_id, const std::string& key,
                                    const std::string& request_hash) {
  sql_ << "DELETE FROM idempotency_keys WHERE user_id = :user_id AND key = :key"
          " AND request_hash = :hash AND status = 'in_progress'",
      soci::use(user_id, "user_id"), soci::use(key, "key"), soci::use(request_hash, "hash");
}

long long IdempotencyRepository::purge_expired(const std::string& now) {
  return execute_counted(
      sql_, "DELETE FROM idempotency_keys WHERE expires_at <= " + time_param(backend_, "now"),
      soci::use(now, "now"));
}

}  // namespace moodgate::store
