// request_id on creates (AIP-155), inside the creating transaction.
//
// ClaimRequestId() inserts (tenant, method, request_id, hash of the request, the
// name the create will give its resource) first, in one statement, so a
// concurrent retry with the same id waits on the row lock and then sees the
// committed claim. A replay returns the first result's resource name; the same
// id with a different request body is ALREADY_EXISTS (reason REQUEST_ID_REUSED).
#ifndef CASES_SQL_IDEMPOTENCY_H_
#define CASES_SQL_IDEMPOTENCY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/ids.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "sql/pool.h"

namespace cases::sql {

struct IdempotencyKey {
  std::string tenant_id;     // 16 bytes
  std::string method;        // e.g. "CreateCase"
  std::string request_id;    // validated by the caller: 1..64 chars
  std::string request_hash;  // 32 bytes, SHA-256 of the canonical request
};

struct RequestClaim {
  const IdempotencyKey* key;
  std::string resource_name;  // the name the create gives its resource
};

// Within a transaction: claims every key in one statement. True when all were new;
// false when any was claimed before (the caller rolls back and takes them one by one).
bool ClaimNewRequestIds(Lease& db, const std::vector<RequestClaim>& claims);

// Within a transaction: nullopt when this call claimed the key for `resource_name`
// (go on and create it); the earlier resource's name when it is a replay.
absl::StatusOr<std::optional<std::string>> ClaimRequestId(Lease& db, const IdempotencyKey& key,
                                                          const std::string& resource_name);

// A create's request_id step in one call: claims `key` (when there is one) for
// `resource_name` and returns false, or, on a replay, reads the resource the first
// request created with `load(id)` into *earlier and returns true.
template <typename Row, typename Load>
absl::StatusOr<bool> ReplayOrClaim(Lease& db, const std::optional<IdempotencyKey>& key,
                                   const std::string& resource_name, Load load, Row* earlier) {
  if (!key.has_value()) {
    return false;
  }
  ASSIGN_OR_RETURN(auto claim, ClaimRequestId(db, *key, resource_name));
  if (!claim.has_value()) {
    return false;
  }
  const std::optional<std::string> id = LastIdOf(*claim);
  std::optional<Row> row = id.has_value() ? load(*id) : std::nullopt;
  if (!row.has_value()) {
    return absl::FailedPreconditionError(
        "the resource created under this request_id no longer exists");
  }
  *earlier = std::move(*row);
  return true;
}

}  // namespace cases::sql

#endif  // CASES_SQL_IDEMPOTENCY_H_
