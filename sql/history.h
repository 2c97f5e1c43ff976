// History events of cases and alerts: one row per change (actor, time, type,
// field changes as JSON, a summary), written in the same transaction as the
// change, listed oldest first.
#ifndef CASES_SQL_HISTORY_H_
#define CASES_SQL_HISTORY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sql/list_query.h"
#include "sql/pool.h"

namespace cases::sql {

struct FieldChangeRow {
  std::string field, old_value, new_value;
};

struct EventRow {
  std::string parent_id;  // the case or alert, 16 bytes
  std::string event_id;   // 16 bytes
  std::string actor;
  int type = 0;  // soc.cases.v1.EventType
  std::vector<FieldChangeRow> changes;
  std::string summary;
  absl::Time create_time;
};

// Whose history: the table and its parent id column.
struct HistoryTable {
  const char* table;      // "case_events" or "alert_events"
  const char* parent_id;  // "case_id" or "alert_id"
};
inline constexpr HistoryTable kCaseHistory = {"case_events", "case_id"};
inline constexpr HistoryTable kAlertHistory = {"alert_events", "alert_id"};

// Inserts `events` of one tenant in one multi-row statement (no-op when empty).
void InsertEvents(Lease& db, const HistoryTable& table, const std::string& tenant_id,
                  const std::vector<EventRow>& events);

// One page of a parent's events, oldest first.
absl::StatusOr<std::string> ListEvents(Lease& db, const HistoryTable& table,
                                       const std::string& tenant_id, const std::string& parent_id,
                                       const std::string& parent_name, int page_size,
                                       const std::string& page_token, std::vector<EventRow>* out);

}  // namespace cases::sql

#endif  // CASES_SQL_HISTORY_H_
