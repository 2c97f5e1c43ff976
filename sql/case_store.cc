#include "sql/case_store.h"

#include <cppconn/prepared_statement.h>

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "soc/cases/v1/activity_service.pb.h"
#include "soc/cases/v1/case_service.pb.h"
#include "sql/activities.h"
#include "sql/case_rows.h"
#include "sql/db_time.h"
#include "sql/queue_store.h"
#include "sql/retention.h"
#include "sql/tables.h"
#include "sql/transaction.h"

namespace cases::sql {
namespace {

namespace v1 = ::soc::cases::v1;

absl::Status CaseNotFound(const std::string& tenant_id, const std::string& case_id) {
  return NotFound("case", ChildName(tenant_id, "cases", case_id));
}

// A change to a case's status to or from RESOLVED is a resolution or a re-opening.
int UpdateActivityType(const CaseRow& before, const CaseRow& after) {
  const bool was = before.status == v1::CASE_STATUS_RESOLVED;
  const bool is = after.status == v1::CASE_STATUS_RESOLVED;
  return is && !was   ? v1::ACTIVITY_TYPE_CASE_RESOLVED
         : was && !is ? v1::ACTIVITY_TYPE_CASE_REOPENED
                      : v1::ACTIVITY_TYPE_CASE_UPDATED;
}

// Gives a new case its id and times and claims its request_id: the case an
// earlier request with that id created when this is a replay, nullopt otherwise.
absl::StatusOr<std::optional<CaseRow>> StartCreate(Lease& db,
                                                   const std::optional<IdempotencyKey>& key,
                                                   absl::Time now, CaseRow* c) {
  FillNew(c, now);
  CaseRow earlier;
  ASSIGN_OR_RETURN(bool replayed, ReplayOrClaim(
                                      db, key, ChildName(c->tenant_id, "cases", c->case_id),
                                      [&](const std::string& id) {
                                        return SelectCase(db, c->tenant_id, id, false);
                                      },
                                      &earlier));
  if (!replayed) {
    return std::nullopt;
  }
  return earlier;
}

// The alert, locked; NOT_FOUND, or ALERT_ALREADY_CONVERTED naming its case.
absl::StatusOr<AlertRow> LockUnconvertedAlert(Lease& db, const std::string& tenant_id,
                                              const std::string& alert_id) {
  auto& lock =
      db.Prepare(absl::StrCat("SELECT ", AlertTable().List(),
                              " FROM alerts WHERE tenant_id = ? AND alert_id = ? FOR UPDATE"));
  lock.setString(1, tenant_id);
  lock.setString(2, alert_id);
  std::unique_ptr<::sql::ResultSet> rs(lock.executeQuery());
  if (!rs->next()) {
    return NotFound("alert", ChildName(tenant_id, "alerts", alert_id));
  }
  AlertRow alert = ReadAlert(*rs);
  if (!alert.case_id.empty()) {
    return ErrorWithReason(absl::StatusCode::kFailedPrecondition, "ALERT_ALREADY_CONVERTED",
                           "the alert was already converted to a case",
                           {{"case", ChildName(tenant_id, "cases", alert.case_id)}});
  }
  return alert;
}

std::vector<DetectionRow> DetectionsOfAlert(Lease& db, const std::string& tenant_id,
                                            const std::string& alert_id) {
  auto& select = db.Prepare(
      absl::StrCat("SELECT ", DetectionTable().List(),
                   " FROM detections WHERE tenant_id = ? AND alert_id = ? ORDER BY detection_id"));
  select.setString(1, tenant_id);
  select.setString(2, alert_id);
  std::vector<DetectionRow> detections;
  std::unique_ptr<::sql::ResultSet> rs(select.executeQuery());
  while (rs->next()) {
    detections.push_back(ReadDetection(*rs));
  }
  return detections;
}

// The alert and its detections point at the case (a detection keeps the first
// case it was converted into), and both histories record the conversion.
void MarkConverted(Lease& db, const CaseRow& c, const std::string& alert_id,
                   const std::string& actor, absl::Time now) {
  const std::string& tenant_id = c.tenant_id;
  auto& mark_alert = db.Prepare(
      "UPDATE alerts SET case_id = ?, update_time = ? WHERE tenant_id = ? AND alert_id = ?");
  mark_alert.setString(1, c.case_id);
  mark_alert.setString(2, FormatDbTime(now));
  mark_alert.setString(3, tenant_id);
  mark_alert.setString(4, alert_id);
  mark_alert.execute();
  auto& mark_detections = db.Prepare(
      "UPDATE detections SET case_id = ? WHERE tenant_id = ? AND alert_id = ? AND case_id IS NULL");
  mark_detections.setString(1, c.case_id);
  mark_detections.setString(2, tenant_id);
  mark_detections.setString(3, alert_id);
  mark_detections.execute();
  const std::string case_name = ChildName(tenant_id, "cases", c.case_id);
  const std::string alert_name = ChildName(tenant_id, "alerts", alert_id);
  InsertEvents(db, kCaseHistory, tenant_id,
               {CaseEvent(c, actor, v1::EVENT_TYPE_CONVERTED, {{"sourceAlert", "", alert_name}},
                          absl::StrCat("CASE-", c.number, " converted from ", alert_name), now)});
  InsertEvents(db, kAlertHistory, tenant_id,
               {EventRow{alert_id,
                         NewIdBytes(now),
                         actor,
                         v1::EVENT_TYPE_CONVERTED,
                         {{"case", "", case_name}},
                         absl::StrCat("converted to CASE-", c.number, " (", case_name, ")"),
                         now}});
}

// `name:"value"` on the case_facets rows of `kind`.
FilterField FacetField(std::string name, FacetKind kind) {
  return {std::move(name),
          absl::StrCat("(SELECT 1 FROM case_facets WHERE case_facets.tenant_id = cases.tenant_id "
                       "AND case_facets.case_id = cases.case_id AND kind = ",
                       static_cast<int>(kind), " AND "),
          FieldType::kFacet,
          nullptr,
          "",
          false,
          false,
          kind == FacetKind::kTechnique,
          static_cast<int>(kind)};
}

}  // namespace

const ListSchema& CaseStore::CaseSchema() {
  static const ListSchema* schema = new ListSchema{
      "ListCases",
      "cases",
      CaseTable().List(),
      {{"status", "status", FieldType::kEnum, v1::CaseStatus_descriptor()},
       {"severity", "severity", FieldType::kEnum, v1::Severity_descriptor()},
       {"priority", "priority", FieldType::kEnum, v1::Priority_descriptor()},
       {"type", "type", FieldType::kEnum, v1::CaseType_descriptor()},
       {"assignee", "assignee", FieldType::kString},
       {"queue", "queue_id", FieldType::kResource, nullptr, "queues", true},
       {"source_rule", "source_rule_id", FieldType::kResource, nullptr, "caseRules", true},
       {"create_time", "create_time", FieldType::kTime},
       {"update_time", "update_time", FieldType::kTime},
       {"number", "number", FieldType::kInt},
       {"acknowledge_deadline", "acknowledge_deadline", FieldType::kTime},
       {"resolve_deadline", "resolve_deadline", FieldType::kTime},
       {"tenant", "tenant_id", FieldType::kResource},
       FacetField("tags", FacetKind::kTag),
       FacetField("devices", FacetKind::kDevice),
       FacetField("entities", FacetKind::kEntity),
       FacetField("mitre_techniques", FacetKind::kTechnique),
       // Not correlated: MariaDB 10.11 answers a FULLTEXT table on the inside of a
       // FirstMatch semi-join wrongly (it skips rows), so the search is materialized
       // once and probed by (tenant, case), which keeps it to the list's tenants.
       {"", "(tenant_id, case_id) IN (SELECT tenant_id, case_id FROM case_text WHERE ",
        FieldType::kText}},
      {{"create_time", {{"create_time", FieldType::kTime}, {"case_id", FieldType::kResource}}},
       {"update_time", {{"update_time", FieldType::kTime}, {"case_id", FieldType::kResource}}},
       {"severity",
        {{"severity", FieldType::kEnum},
         {"create_time", FieldType::kTime},
         {"case_id", FieldType::kResource}}},
       {"number", {{"number", FieldType::kInt}, {"case_id", FieldType::kResource}}},
       {"resolve_deadline",
        {{"resolve_deadline", FieldType::kTime}, {"case_id", FieldType::kResource}}}},
      "create_time desc",
      {"partner_id", "cases_by_partner", "create_time"},
      {"case_facets", "create_time"}};
  return *schema;
}

// Groups are powers of two up to this, which keeps their statements (32 case rows
// is ~2.5 KB of SQL text) among the ones each connection keeps prepared.
constexpr size_t kMaxCreateGroup = 32;
constexpr size_t kMaxUpdateGroup = 32;
constexpr size_t kMaxGetGroup = 32;

CaseStore::CaseStore(ConnectionPool* pool)
    : pool_(pool),
      creates_(std::make_unique<GroupRunner<PendingCreate>>(
          kMaxCreateGroup,
          [this](const std::vector<PendingCreate*>& group) { CreateGroup(group); })),
      updates_(std::make_unique<GroupRunner<PendingUpdate>>(
          kMaxUpdateGroup,
          [this](const std::vector<PendingUpdate*>& group) { UpdateGroup(group); })),
      gets_(std::make_unique<GroupRunner<PendingGet>>(
          kMaxGetGroup, [this](const std::vector<PendingGet*>& group) { GetGroup(group); })) {}

CaseStore::~CaseStore() = default;

GroupRunner<PendingCreate>::Stats CaseStore::CreateGroupStats() const { return creates_->stats(); }

GroupRunner<PendingUpdate>::Stats CaseStore::UpdateGroupStats() const { return updates_->stats(); }

GroupRunner<PendingGet>::Stats CaseStore::GetGroupStats() const { return gets_->stats(); }

absl::StatusOr<CaseRow> CaseStore::Create(CaseRow row,
                                          const std::vector<std::string>& detection_ids,
                                          const CreatePlan& plan,
                                          const std::optional<IdempotencyKey>& key,
                                          const std::string& actor) {
  if (!detection_ids.empty()) {
    return CreateAlone(std::move(row), detection_ids, plan, key, actor);
  }
  PendingCreate pending{&row, &plan, &key, &actor};
  creates_->Run(row.tenant_id, &pending);
  return std::move(pending.result);
}

absl::StatusOr<CaseRow> CaseStore::CreateAlone(CaseRow row,
                                               const std::vector<std::string>& detection_ids,
                                               const CreatePlan& plan,
                                               const std::optional<IdempotencyKey>& key,
                                               const std::string& actor) {
  return TransactionValue<CaseRow>(*pool_, [&](Lease& db) -> absl::StatusOr<CaseRow> {
    const absl::Time now = DbNow();
    CaseRow c = row;
    ASSIGN_OR_RETURN(std::optional<CaseRow> earlier, StartCreate(db, key, now, &c));
    if (earlier.has_value()) {
      return *std::move(earlier);
    }
    RETURN_IF_ERROR(CheckQueue(db, row.tenant_id, row.queue_id, "case.queue"));
    ASSIGN_OR_RETURN(std::vector<DetectionRow> detections,
                     LoadDetections(db, row.tenant_id, detection_ids));
    RETURN_IF_ERROR(plan(detections, &c));
    AttachDetections(db, &c, detections, now);
    InsertNewCase(db, &c);
    InsertEvents(db, kCaseHistory, c.tenant_id, {CreatedEvent(c, actor)});
    RecordActivity(db, CaseActivity(v1::ACTIVITY_TYPE_CASE_CREATED, c, actor));
    return c;
  });
}

absl::StatusOr<CaseRow> CaseStore::Convert(CaseRow row, const std::string& alert_id,
                                           const ConversionPlan& plan,
                                           const std::optional<IdempotencyKey>& key,
                                           const std::string& actor) {
  return TransactionValue<CaseRow>(*pool_, [&](Lease& db) -> absl::StatusOr<CaseRow> {
    const absl::Time now = DbNow();
    CaseRow c = row;
    ASSIGN_OR_RETURN(std::optional<CaseRow> earlier, StartCreate(db, key, now, &c));
    if (earlier.has_value()) {
      return *std::move(earlier);
    }
    ASSIGN_OR_RETURN(AlertRow alert, LockUnconvertedAlert(db, c.tenant_id, alert_id));
    RETURN_IF_ERROR(CheckQueue(db, c.tenant_id, c.queue_id, "case.queue"));
    const std::vector<DetectionRow> detections = DetectionsOfAlert(db, c.tenant_id, alert_id);
    RETURN_IF_ERROR(plan(alert, detections, &c));
    c.source_alert_id = alert_id;
    AttachDetections(db, &c, detections, now);
    InsertNewCase(db, &c);
    MarkConverted(db, c, alert_id, actor, now);
    RecordActivity(db, CaseActivity(v1::ACTIVITY_TYPE_CASE_CREATED, c, actor));
    alert.case_id = c.case_id;
    alert.update_time = now;
    RecordActivity(db, AlertActivity(v1::ACTIVITY_TYPE_ALERT_CONVERTED, alert, actor));
    return c;
  });
}

absl::StatusOr<std::optional<CaseRow>> CaseStore::Get(const std::string& tenant_id,
                                                      const std::string& case_id) {
  PendingGet pending{&tenant_id, &case_id};
  gets_->Run(tenant_id, &pending);
  return std::move(pending.result);
}

absl::StatusOr<std::vector<CaseRow>> CaseStore::Update(const std::string& tenant_id,
                                                       const std::vector<CaseUpdate>& updates,
                                                       const std::string& actor) {
  if (updates.size() == 1) {
    PendingUpdate pending{&tenant_id, &updates.front(), &actor};
    updates_->Run(tenant_id, &pending);
    RETURN_IF_ERROR(pending.result.status());
    return std::vector<CaseRow>{*std::move(pending.result)};
  }
  std::vector<const CaseUpdate*> all;
  all.reserve(updates.size());
  for (const CaseUpdate& u : updates) {
    all.push_back(&u);
  }
  return UpdateRows(tenant_id, all, std::vector<const std::string*>(updates.size(), &actor));
}

absl::StatusOr<std::vector<CaseRow>> CaseStore::UpdateRows(
    const std::string& tenant_id, const std::vector<const CaseUpdate*>& updates,
    const std::vector<const std::string*>& actors) {
  std::vector<std::string> ids;
  ids.reserve(updates.size());
  for (const CaseUpdate* u : updates) {
    ids.push_back(u->case_id);
  }
  return TransactionValue<std::vector<CaseRow>>(
      *pool_, [&](Lease& db) -> absl::StatusOr<std::vector<CaseRow>> {
        std::map<std::string, CaseRow> locked;
        for (CaseRow& row : LockCases(db, tenant_id, ids)) {
          std::string id = row.case_id;
          locked.emplace(std::move(id), std::move(row));
        }
        const absl::Time now = DbNow();
        std::vector<CaseRow> result, changed;
        std::vector<const CaseRow*> changed_from;
        std::vector<EventRow> events;
        std::map<std::string, const CaseUpdate*> queues;  // new queue → first update naming it
        for (size_t i = 0; i < updates.size(); ++i) {
          const CaseUpdate& u = *updates[i];
          const std::string& actor = *actors[i];
          auto it = locked.find(u.case_id);
          if (it == locked.end()) {
            return ForItem(CaseNotFound(tenant_id, u.case_id), u.item);
          }
          const CaseRow& current = it->second;
          CaseRow next = current;
          std::vector<FieldChangeRow> changes;
          if (absl::Status s = u.mutate(current, &next, &changes); !s.ok()) {
            return ForItem(s, u.item);
          }
          if (!changes.empty()) {
            if (next.queue_id != current.queue_id) {
              queues.emplace(next.queue_id, &u);
            }
            next.update_time = now;
            next.revision = current.revision + 1;
            events.push_back(CaseEvent(next, actor, v1::EVENT_TYPE_UPDATED, changes, "", now));
            RecordActivity(db,
                           CaseActivity(UpdateActivityType(current, next), next, actor, changes));
            changed.push_back(next);
            changed_from.push_back(&current);
          }
          result.push_back(std::move(next));
        }
        for (const auto& [queue_id, u] : queues) {
          if (absl::Status s = CheckQueue(db, tenant_id, queue_id, "case.queue"); !s.ok()) {
            return ForItem(s, u->item);
          }
        }
        if (!changed.empty()) {
          UpdateCaseRows(db, changed);
          std::vector<CaseWrite> writes;
          for (size_t i = 0; i < changed.size(); ++i) {
            writes.push_back({changed_from[i], &changed[i]});
          }
          SyncCaseIndexes(db, tenant_id, writes);
          InsertEvents(db, kCaseHistory, tenant_id, events);
        }
        return result;
      });
}

absl::StatusOr<CaseRow> CaseStore::AddDetections(const std::string& tenant_id,
                                                 const std::string& case_id,
                                                 const std::vector<std::string>& detection_ids,
                                                 const CaseCheck& may_edit,
                                                 const DetectionCheck& check,
                                                 const std::string& actor) {
  return TransactionValue<CaseRow>(*pool_, [&](Lease& db) -> absl::StatusOr<CaseRow> {
    std::optional<CaseRow> current = SelectCase(db, tenant_id, case_id, true);
    if (!current.has_value()) {
      return CaseNotFound(tenant_id, case_id);
    }
    RETURN_IF_ERROR(may_edit(*current));
    ASSIGN_OR_RETURN(std::vector<DetectionRow> detections,
                     LoadDetections(db, tenant_id, detection_ids));
    RETURN_IF_ERROR(check(detections));
    const absl::Time now = DbNow();
    CaseRow result = *current;
    const int added = AttachDetections(db, &result, detections, now);
    if (added == 0) {
      return *current;
    }
    result.update_time = now;
    result.revision += 1;
    UpdateCaseRow(db, result);
    SyncCaseIndexes(db, tenant_id, {{&*current, &result}});
    const std::vector<FieldChangeRow> changes = {{"detectionCount",
                                                  std::to_string(current->detection_count),
                                                  std::to_string(result.detection_count)}};
    InsertEvents(
        db, kCaseHistory, tenant_id,
        {CaseEvent(result, actor, v1::EVENT_TYPE_DETECTIONS_ADDED, changes,
                   absl::StrCat(added, added == 1 ? " detection" : " detections", " added"), now)});
    RecordActivity(db,
                   CaseActivity(v1::ACTIVITY_TYPE_CASE_DETECTIONS_ADDED, result, actor, changes));
    return result;
  });
}

absl::Status CaseStore::Delete(const std::string& tenant_id,
                               const std::vector<std::string>& case_ids,
                               const CaseCheck& may_remove, const std::string& actor) {
  return RunInTransaction(*pool_, [&](Lease& db) -> absl::Status {
    for (const std::string& case_id : case_ids) {
      std::optional<CaseRow> current = SelectCase(db, tenant_id, case_id, true);
      if (!current.has_value()) {
        return CaseNotFound(tenant_id, case_id);
      }
      RETURN_IF_ERROR(may_remove(*current));
      RecordActivity(db, CaseActivity(v1::ACTIVITY_TYPE_CASE_DELETED, *current, actor));
    }
    for (const std::string& id : case_ids) {
      RemoveCase(db, tenant_id, id);
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::string> CaseStore::List(const ListParams& params, std::vector<CaseRow>* out) {
  return RunListPage(*pool_, CaseSchema(), params, &ReadCase, out);
}

namespace {

// The median of `column` − create_time (microseconds) over the `n` selected cases
// where it is set: the middle one, or the mean of the two middle ones. The
// ordered read stops at the middle; cases_stats serves it without row reads.
absl::StatusOr<std::optional<absl::Duration>> MedianSince(Lease& db, const SqlCondition& where,
                                                          const std::string& column, int64_t n) {
  if (n == 0) {
    return std::nullopt;
  }
  auto& stmt = db.Prepare(absl::StrCat("SELECT TIMESTAMPDIFF(MICROSECOND, create_time, ", column,
                                       ") AS d FROM cases WHERE ", where.sql, " AND ", column,
                                       " IS NOT NULL ORDER BY d LIMIT ? OFFSET ?"));
  int k = BindParams(stmt, where.params);
  stmt.setInt64(k++, n % 2 == 1 ? 1 : 2);
  stmt.setInt64(k++, (n - 1) / 2);
  std::unique_ptr<::sql::ResultSet> rs(stmt.executeQuery());
  int64_t sum = 0, taken = 0;
  while (rs->next()) {
    sum += rs->getInt64(1);
    ++taken;
  }
  if (taken == 0) {
    return std::nullopt;
  }
  return absl::Microseconds(sum / taken);
}

}  // namespace

absl::StatusOr<CaseStatsRow> CaseStore::Stats(const ListParams& params, absl::Time now) {
  ASSIGN_OR_RETURN(std::optional<SqlCondition> where, ListWhere(CaseSchema(), params));
  if (!where.has_value()) {
    return CaseStatsRow{};  // nothing the caller may read
  }
  return QueryValue<CaseStatsRow>(*pool_, [&](Lease& db) -> absl::StatusOr<CaseStatsRow> {
    CaseStatsRow out;
    auto& counts = db.Prepare(absl::StrCat(
        "SELECT tenant_id, status, severity, COUNT(*), "
        "SUM(status <> ? AND resolve_deadline < ?), SUM(acknowledge_time IS NOT NULL), "
        "SUM(resolve_time IS NOT NULL) FROM cases WHERE ",
        where->sql, " GROUP BY tenant_id, status, severity ORDER BY tenant_id, status, severity"));
    counts.setInt(1, v1::CASE_STATUS_RESOLVED);
    counts.setString(2, FormatDbTime(now));
    BindParams(counts, where->params, 3);
    std::unique_ptr<::sql::ResultSet> rs(counts.executeQuery());
    int64_t acknowledged = 0, resolved = 0;
    while (rs->next()) {
      out.counts.push_back(
          {rs->getString(1), rs->getInt(2), rs->getInt(3), rs->getInt64(4), rs->getInt64(5)});
      acknowledged += rs->getInt64(6);
      resolved += rs->getInt64(7);
    }
    ASSIGN_OR_RETURN(out.median_acknowledge,
                     MedianSince(db, *where, "acknowledge_time", acknowledged));
    ASSIGN_OR_RETURN(out.median_resolve, MedianSince(db, *where, "resolve_time", resolved));
    return out;
  });
}

absl::StatusOr<std::string> CaseStore::ListEvents(const std::string& tenant_id,
                                                  const std::string& case_id,
                                                  const std::string& case_name, int page_size,
                                                  const std::string& page_token,
                                                  std::vector<EventRow>* out) {
  return QueryValue<std::string>(*pool_, [&](Lease& db) {
    out->clear();
    return sql::ListEvents(db, kCaseHistory, tenant_id, case_id, case_name, page_size, page_token,
                           out);
  });
}

}  // namespace cases::sql
