#include "sql/idempotency.h"

#include <cppconn/exception.h>
#include <cppconn/resultset.h>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "sql/db_time.h"
#include "sql/list_query.h"
#include "sql/transaction.h"

namespace cases::sql {

bool ClaimNewRequestIds(Lease& db, const std::vector<RequestClaim>& claims) {
  if (claims.empty()) {
    return true;
  }
  // Cached in every size: one claim, or one per create of a group (up to 32 of them).
  auto& insert = db.Prepare(absl::StrCat(
      "INSERT IGNORE INTO idempotency_keys (tenant_id, method, request_id, request_hash, "
      "resource_name, create_time) VALUES ",
      Placeholders(claims.size(), "(?, ?, ?, ?, ?, ?)")));
  const std::string now = FormatDbTime(DbNow());
  int k = 1;
  for (const RequestClaim& claim : claims) {
    insert.setString(k++, claim.key->tenant_id);
    insert.setString(k++, claim.key->method);
    insert.setString(k++, claim.key->request_id);
    insert.setString(k++, claim.key->request_hash);
    insert.setString(k++, claim.resource_name);
    insert.setString(k++, now);
  }
  return insert.executeUpdate() == static_cast<int>(claims.size());
}

absl::StatusOr<std::optional<std::string>> ClaimRequestId(Lease& db, const IdempotencyKey& key,
                                                          const std::string& resource_name) {
  if (ClaimNewRequestIds(db, {RequestClaim{&key, resource_name}})) {
    return std::optional<std::string>();
  }
  auto& select = db.Prepare(
      "SELECT request_hash, resource_name FROM idempotency_keys "
      "WHERE tenant_id = ? AND method = ? AND request_id = ?");
  select.setString(1, key.tenant_id);
  select.setString(2, key.method);
  select.setString(3, key.request_id);
  std::unique_ptr<::sql::ResultSet> rs(select.executeQuery());
  if (!rs->next()) {
    return absl::AbortedError("request_id claim vanished; retry");
  }
  if (rs->getString(1) != key.request_hash) {
    return ErrorWithReason(absl::StatusCode::kAlreadyExists, "REQUEST_ID_REUSED",
                           "request_id was already used for a different request",
                           {{"requestId", key.request_id}});
  }
  return std::optional<std::string>(std::string(rs->getString(2)));
}

}  // namespace cases::sql
