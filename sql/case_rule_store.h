// Case rules in MySQL: the saved rules of each tenant, their match counters, and
// the cases they open at ingest (rule_cases.cc, run inside the ingest
// transaction). What a rule matches and what its cases hold is the domain's
// (domain/automation.h): the store keeps rows and runs its callbacks.
#ifndef CASES_SQL_CASE_RULE_STORE_H_
#define CASES_SQL_CASE_RULE_STORE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sql/case_store.h"
#include "sql/detection_store.h"
#include "sql/idempotency.h"
#include "sql/list_query.h"
#include "sql/pool.h"

namespace cases::sql {

inline constexpr int64_t kMaxCaseRulesPerTenant = 50;

struct CaseRuleRow {
  std::string tenant_id, rule_id;
  std::string display_name, description;
  int enabled = 1;
  std::string filter;
  int case_type = 0, group_by = 0;
  int64_t group_window_seconds = 0;
  std::string template_display_name;
  int template_severity = 0, template_priority = 0;
  std::string template_queue_id;  // empty when none
  std::string template_assignee;
  std::vector<std::string> template_tags;
  std::string creator;
  absl::Time create_time, update_time;
  int64_t revision = 1;
  // From case_rule_counts; read only.
  int64_t match_count = 0;
  std::optional<absl::Time> last_match_time;
};

// Builds the new state of a locked rule; an error aborts.
using CaseRuleMutation = std::function<absl::Status(const CaseRuleRow& current, CaseRuleRow* next)>;
using CaseRuleCheck = std::function<absl::Status(const CaseRuleRow& current)>;

// One rule matching one detection created by an ingest, as the domain's matcher
// decided it.
struct RuleMatch {
  size_t detection = 0;                            // index into the created detections
  size_t rule = 0;                                 // index into the domain's rules of this ingest
  std::string rule_id;                             // 16 bytes
  const std::string* rule_name = nullptr;          // tenants/{t}/caseRules/{r}: the history actor
  const std::string* rule_display_name = nullptr;  // for history summaries
  std::string group_key;  // the alert id, the device, or "" (per the rule's grouping)
  absl::Duration group_window;
};

// Completes a new case a rule opens for its group's first detection (the row has
// its tenant, id and times); an error aborts the ingest.
using OpenRuleCase =
    std::function<absl::Status(const RuleMatch& match, const DetectionRow& first, CaseRow* row)>;

// What the ingest asks of the tenant's rules: which created detections match
// (rows with their ids, alert ids and times set, in request order), and the case
// a rule opens.
struct IngestRules {
  std::function<std::vector<RuleMatch>(const std::vector<DetectionRow>& created)> match;
  OpenRuleCase open;
};

// Within the ingest transaction: each match's detection joins the open
// (unresolved) case its rule made for its group key within the rule's window, or
// a new case opened with `rules.open`; rule counters are raised. A fixed number
// of statements whatever the batch: group rows locked in key order (concurrent
// ingests of one key open one case between them), cases locked in one
// statement, links, rows, indexes and history in multi-row statements.
absl::Status ApplyCaseRules(Lease& db, const std::string& tenant_id, const IngestRules& rules,
                            const std::vector<DetectionRow>& created, absl::Time now);

class CaseRuleStore {
 public:
  explicit CaseRuleStore(ConnectionPool* pool) : pool_(pool) {}

  // Inserts `row` (id, times, revision filled here). FAILED_PRECONDITION
  // (CASE_RULE_LIMIT) for the tenant's 51st rule; INVALID_ARGUMENT naming
  // `case_rule.case_template.queue` for a queue not in the tenant. A replayed
  // request_id returns the first rule.
  absl::StatusOr<CaseRuleRow> Create(CaseRuleRow row, const std::optional<IdempotencyKey>& key);
  absl::StatusOr<std::optional<CaseRuleRow>> Get(const std::string& tenant_id,
                                                 const std::string& rule_id);
  // One page, oldest first, with their counters.
  absl::StatusOr<std::string> List(const ListParams& params, std::vector<CaseRuleRow>* out);
  // Every rule of the tenant (at most kMaxCaseRulesPerTenant), for the matcher.
  absl::StatusOr<std::vector<CaseRuleRow>> LoadAll(const std::string& tenant_id);
  absl::StatusOr<CaseRuleRow> Update(const std::string& tenant_id, const std::string& rule_id,
                                     const CaseRuleMutation& mutate);
  // Removes the rule, its counters and group rows; the cases it made keep naming it.
  absl::Status Delete(const std::string& tenant_id, const std::string& rule_id,
                      const CaseRuleCheck& may_remove);

  static const ListSchema& Schema();

 private:
  ConnectionPool* pool_;
};

}  // namespace cases::sql

#endif  // CASES_SQL_CASE_RULE_STORE_H_
