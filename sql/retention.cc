#include "sql/retention.h"

#include <cppconn/prepared_statement.h>

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "soc/cases/v1/activity_service.pb.h"
#include "sql/activities.h"
#include "sql/db_time.h"
#include "sql/tables.h"
#include "sql/transaction.h"

namespace cases::sql {
namespace {

// Who the change feed says removed a case the retention job purged.
constexpr char kRetentionActor[] = "system:retention";

}  // namespace

void RemoveCase(Lease& db, const std::string& tenant_id, const std::string& case_id) {
  ExecuteForKey(db,
                {"DELETE FROM case_detections WHERE tenant_id = ? AND case_id = ?",
                 "DELETE FROM case_events WHERE tenant_id = ? AND case_id = ?",
                 "DELETE FROM case_notes WHERE tenant_id = ? AND case_id = ?",
                 "DELETE FROM case_facets WHERE tenant_id = ? AND case_id = ?",
                 "DELETE FROM case_text WHERE tenant_id = ? AND case_id = ?",
                 "UPDATE alerts SET case_id = NULL WHERE tenant_id = ? AND case_id = ?",
                 "UPDATE detections SET case_id = NULL WHERE tenant_id = ? AND case_id = ?",
                 "DELETE FROM cases WHERE tenant_id = ? AND case_id = ?"},
                tenant_id, case_id);
}

absl::StatusOr<int> PurgeResolvedCases(ConnectionPool& pool, const std::string& tenant_id,
                                       absl::Time now, int batch) {
  return TransactionValue<int>(pool, [&](Lease& db) -> absl::StatusOr<int> {
    // SKIP LOCKED: replicas purging at the same time take disjoint rows.
    auto& select = db.Prepare(absl::StrCat(
        "SELECT ", CaseTable().List(),
        " FROM cases WHERE tenant_id = ? AND purge_time <= ? ORDER BY purge_time LIMIT ? "
        "FOR UPDATE SKIP LOCKED"));
    select.setString(1, tenant_id);
    select.setString(2, FormatDbTime(now));
    select.setInt(3, batch);
    std::vector<std::string> ids;
    std::unique_ptr<::sql::ResultSet> rs(select.executeQuery());
    while (rs->next()) {
      const CaseRow row = ReadCase(*rs);
      ids.push_back(row.case_id);
      RecordActivity(
          db, CaseActivity(::soc::cases::v1::ACTIVITY_TYPE_CASE_DELETED, row, kRetentionActor));
    }
    for (const std::string& id : ids) {
      RemoveCase(db, tenant_id, id);
    }
    return static_cast<int>(ids.size());
  });
}

absl::StatusOr<int> PurgeCreatedBefore(ConnectionPool& pool, const char* statement,
                                       const std::string& tenant_id, absl::Time before, int limit) {
  return QueryValue<int>(pool, [&](Lease& db) -> absl::StatusOr<int> {
    auto& purge = db.Prepare(statement);
    purge.setString(1, tenant_id);
    purge.setString(2, FormatDbTime(before));
    purge.setInt(3, limit);
    return purge.executeUpdate();
  });
}

}  // namespace cases::sql
