// Detections and alerts in MySQL. Ingest is one transaction of a fixed number of
// multi-row statements whatever the batch size; grouping into alerts stays exact
// under concurrent ingesters because each batch locks its alerts' rows (in key
// order) before counting the detections it really inserted.
#ifndef CASES_SQL_DETECTION_STORE_H_
#define CASES_SQL_DETECTION_STORE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sql/history.h"
#include "sql/list_query.h"
#include "sql/pool.h"

namespace cases::sql {

struct DetectionRow {
  std::string tenant_id, detection_id, external_id, alert_id;
  std::string alert_key;
  int product = 0, severity = 0;
  std::string title, description;
  std::map<std::string, std::string> attributes;
  std::string device, entity;
  std::vector<std::string> mitre_techniques;
  absl::Time detect_time;
  std::string case_id;  // empty when none
  absl::Time create_time;
};

struct AlertRow {
  std::string tenant_id, alert_id, alert_key, title;
  int product = 0;  // the product of its detections
  int severity = 0;
  int detection_count = 0;
  std::map<std::string, std::string> attributes;
  std::string case_id;  // empty when none
  absl::Time create_time, update_time;
};

// One ingest item's outcome, in request order.
struct IngestOutcome {
  std::string detection_id;  // 16 bytes; empty when rejected
  bool created = false;
  // Set when the item was refused inside the transaction (its alert key groups
  // another product's detections): the field and why.
  std::string rejected_field, rejected_reason;
};

struct IngestRules;  // case_rule_store.h

struct ListPageResult {
  std::string next_page_token;
};

class DetectionStore {
 public:
  explicit DetectionStore(ConnectionPool* pool) : pool_(pool) {}

  // `items` are validated rows (ids, alert_id, create_time filled here). Detections
  // whose external id exists already are left alone and reported with their id.
  // The detections really created go through `rules` (case_rule_store.h
  // ApplyCaseRules) in the same transaction; null: the tenant has none.
  absl::StatusOr<std::vector<IngestOutcome>> Ingest(const std::string& tenant_id,
                                                    const std::vector<DetectionRow>& items,
                                                    const std::string& actor,
                                                    const IngestRules* rules = nullptr);

  absl::StatusOr<std::optional<DetectionRow>> GetDetection(const std::string& tenant_id,
                                                           const std::string& detection_id);
  absl::StatusOr<std::optional<AlertRow>> GetAlert(const std::string& tenant_id,
                                                   const std::string& alert_id);

  absl::StatusOr<std::string> ListDetections(const ListParams& params,
                                             std::vector<DetectionRow>* out);
  absl::StatusOr<std::string> ListAlerts(const ListParams& params, std::vector<AlertRow>* out);
  absl::StatusOr<std::string> ListAlertEvents(const std::string& tenant_id,
                                              const std::string& alert_id,
                                              const std::string& alert_name, int page_size,
                                              const std::string& page_token,
                                              std::vector<EventRow>* out);

  static const ListSchema& DetectionSchema();
  static const ListSchema& AlertSchema();

 private:
  ConnectionPool* pool_;
};

}  // namespace cases::sql

#endif  // CASES_SQL_DETECTION_STORE_H_
