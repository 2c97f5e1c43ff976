#include "sql/queue_store.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "sql/db_time.h"
#include "sql/tables.h"
#include "sql/transaction.h"

namespace cases::sql {
namespace {

std::optional<QueueRow> SelectQueue(Lease& db, const std::string& tenant_id,
                                    const std::string& queue_id) {
  auto& select = db.Prepare(absl::StrCat("SELECT ", QueueTable().List(),
                                         " FROM queues WHERE tenant_id = ? AND queue_id = ?"));
  select.setString(1, tenant_id);
  select.setString(2, queue_id);
  std::unique_ptr<::sql::ResultSet> rs(select.executeQuery());
  return rs->next() ? std::optional<QueueRow>(QueueTable().Read(*rs)) : std::nullopt;
}

}  // namespace

absl::Status CheckQueue(Lease& db, const std::string& tenant_id, const std::string& queue_id,
                        const std::string& field) {
  if (queue_id.empty()) {
    return absl::OkStatus();
  }
  auto& stmt = db.Prepare("SELECT 1 FROM queues WHERE tenant_id = ? AND queue_id = ?");
  stmt.setString(1, tenant_id);
  stmt.setString(2, queue_id);
  std::unique_ptr<::sql::ResultSet> rs(stmt.executeQuery());
  return rs->next() ? absl::OkStatus() : InvalidField(field, "no such queue in this tenant");
}

absl::StatusOr<QueueRow> QueueStore::Create(QueueRow row,
                                            const std::optional<IdempotencyKey>& key) {
  return TransactionValue<QueueRow>(*pool_, [&](Lease& db) -> absl::StatusOr<QueueRow> {
    const absl::Time now = DbNow();
    QueueRow q = row;
    q.queue_id = NewIdBytes(now);
    q.create_time = now;
    QueueRow earlier;
    ASSIGN_OR_RETURN(
        bool replayed,
        ReplayOrClaim(
            db, key, ChildName(q.tenant_id, "queues", q.queue_id),
            [&](const std::string& id) { return SelectQueue(db, q.tenant_id, id); }, &earlier));
    if (replayed) {
      return earlier;
    }
    auto& insert = db.Prepare(absl::StrCat("INSERT INTO queues (", QueueTable().List(), ") VALUES ",
                                           QueueTable().ValueGroup()));
    QueueTable().Bind(insert, 1, q);
    insert.execute();
    return q;
  });
}

absl::StatusOr<std::string> QueueStore::List(const ListParams& params, std::vector<QueueRow>* out) {
  static const ListSchema* schema = new ListSchema{
      "ListQueues",
      "queues",
      QueueTable().List(),
      {},
      {{"create_time", {{"create_time", FieldType::kTime}, {"queue_id", FieldType::kResource}}}},
      "create_time"};
  return RunListPage(*pool_, *schema, params, &ReadQueue, out);
}

}  // namespace cases::sql
