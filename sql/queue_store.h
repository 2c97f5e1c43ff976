// Case queues (who responds to a case) in MySQL.
#ifndef CASES_SQL_QUEUE_STORE_H_
#define CASES_SQL_QUEUE_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sql/idempotency.h"
#include "sql/list_query.h"
#include "sql/pool.h"

namespace cases::sql {

struct QueueRow {
  std::string tenant_id, queue_id, display_name, description;
  absl::Time create_time;
};

class QueueStore {
 public:
  explicit QueueStore(ConnectionPool* pool) : pool_(pool) {}

  // Inserts `row` (id and time filled here); a replayed request_id returns the first queue.
  absl::StatusOr<QueueRow> Create(QueueRow row, const std::optional<IdempotencyKey>& key);
  absl::StatusOr<std::string> List(const ListParams& params, std::vector<QueueRow>* out);

 private:
  ConnectionPool* pool_;
};

// Within a transaction: OK when `queue_id` is empty or a queue of the tenant;
// INVALID_ARGUMENT naming `field` otherwise.
absl::Status CheckQueue(Lease& db, const std::string& tenant_id, const std::string& queue_id,
                        const std::string& field);

}  // namespace cases::sql

#endif  // CASES_SQL_QUEUE_STORE_H_
