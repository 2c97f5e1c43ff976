#include "sql/case_store.h"

#include <cppconn/prepared_statement.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/names.h"
#include "common/json.h"
#include "common/status_macros.h"
#include "soc/cases/v1/case_service.pb.h"
#include "sql/db_time.h"
#include "sql/transaction.h"

namespace cases::sql {
namespace {

namespace v1 = ::soc::cases::v1;

constexpr char kCaseColumns[] =
    "tenant_id, case_id, number, display_name, description, type, severity, priority, status, close_reason, "
    "close_note, queue_id, assignee, detection_count, source_alert_id, attributes, creator, create_time, "
    "update_time, resolve_time, purge_time, revision";
constexpr char kQueueColumns[] = "tenant_id, queue_id, display_name, description, create_time";

std::string NullableBytes(::sql::ResultSet& rs, int i) { return rs.isNull(i) ? "" : std::string(rs.getString(i)); }

std::optional<absl::Time> NullableTime(::sql::ResultSet& rs, int i) {
  if (rs.isNull(i)) {
    return std::nullopt;
  }
  return ParseDbTime(std::string(rs.getString(i)));
}

CaseRow ReadCase(::sql::ResultSet& rs) {
  CaseRow c;
  c.tenant_id = rs.getString(1);
  c.case_id = rs.getString(2);
  c.number = rs.getInt64(3);
  c.display_name = rs.getString(4);
  c.description = rs.getString(5);
  c.type = rs.getInt(6);
  c.severity = rs.getInt(7);
  c.priority = rs.getInt(8);
  c.status = rs.getInt(9);
  c.close_reason = rs.getInt(10);
  c.close_note = rs.getString(11);
  c.queue_id = NullableBytes(rs, 12);
  c.assignee = rs.getString(13);
  c.detection_count = rs.getInt(14);
  c.source_alert_id = NullableBytes(rs, 15);
  c.attributes = MapFromJson(std::string(rs.getString(16)));
  c.creator = rs.getString(17);
  c.create_time = ParseDbTime(std::string(rs.getString(18)));
  c.update_time = ParseDbTime(std::string(rs.getString(19)));
  c.resolve_time = NullableTime(rs, 20);
  c.purge_time = NullableTime(rs, 21);
  c.revision = rs.getInt64(22);
  return c;
}

QueueRow ReadQueue(::sql::ResultSet& rs) {
  QueueRow q;
  q.tenant_id = rs.getString(1);
  q.queue_id = rs.getString(2);
  q.display_name = rs.getString(3);
  q.description = rs.getString(4);
  q.create_time = ParseDbTime(std::string(rs.getString(5)));
  return q;
}

void SetNullableBytes(::sql::PreparedStatement& s, int i, const std::string& v) {
  if (v.empty()) {
    s.setNull(i, 0);
  } else {
    s.setString(i, v);
  }
}

void SetNullableTime(::sql::PreparedStatement& s, int i, const std::optional<absl::Time>& t) {
  if (t.has_value()) {
    s.setString(i, FormatDbTime(*t));
  } else {
    s.setNull(i, 0);
  }
}

std::optional<CaseRow> SelectCase(Lease& db, const std::string& tenant_id, const std::string& case_id,
                                  bool for_update) {
  auto& stmt = db.Prepare(absl::StrCat("SELECT ", kCaseColumns, " FROM cases WHERE tenant_id = ? AND case_id = ?",
                                       for_update ? " FOR UPDATE" : ""));
  stmt.setString(1, tenant_id);
  stmt.setString(2, case_id);
  std::unique_ptr<::sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) {
    return std::nullopt;
  }
  return ReadCase(*rs);
}

// Inserts new cases of one tenant with its next CASE-n numbers, in order, which it
// sets in each row's number. The counter row stays locked until commit, so numbers
// are gap-free per tenant (a rollback gives them back) and tenants never wait on
// each other. The bump leaves the last number in the session's LAST_INSERT_ID(),
// which the insert counts back from and returns: two round trips for any number of
// cases, instead of bump, read back, insert.
void InsertNewCases(Lease& db, std::vector<CaseRow>* rows) {
  const int64_t n = static_cast<int64_t>(rows->size());
  auto& bump = db.Prepare(
      "INSERT INTO tenant_counters (tenant_id, counter, value) VALUES (?, 'cases', LAST_INSERT_ID(?)) "
      "ON DUPLICATE KEY UPDATE value = LAST_INSERT_ID(value + ?)");
  bump.setString(1, rows->front().tenant_id);
  bump.setInt64(2, n);
  bump.setInt64(3, n);
  bump.execute();
  // Cached in every size: one row, or a GroupRunner group (powers of two up to 32).
  auto& stmt = db.Prepare(absl::StrCat(
      "INSERT INTO cases (", kCaseColumns, ") VALUES ",
      Placeholders(rows->size(), "(?, ?, LAST_INSERT_ID() - ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      " RETURNING number"));
  int k = 1;
  int64_t later = n;  // how many of this insert's numbers come after this row's
  for (const CaseRow& c : *rows) {
    stmt.setString(k++, c.tenant_id);
    stmt.setString(k++, c.case_id);
    stmt.setInt64(k++, --later);
    stmt.setString(k++, c.display_name);
    stmt.setString(k++, c.description);
    stmt.setInt(k++, c.type);
    stmt.setInt(k++, c.severity);
    stmt.setInt(k++, c.priority);
    stmt.setInt(k++, c.status);
    stmt.setInt(k++, c.close_reason);
    stmt.setString(k++, c.close_note);
    SetNullableBytes(stmt, k++, c.queue_id);
    stmt.setString(k++, c.assignee);
    stmt.setInt(k++, c.detection_count);
    SetNullableBytes(stmt, k++, c.source_alert_id);
    stmt.setString(k++, JsonFromMap(c.attributes));
    stmt.setString(k++, c.creator);
    stmt.setString(k++, FormatDbTime(c.create_time));
    stmt.setString(k++, FormatDbTime(c.update_time));
    SetNullableTime(stmt, k++, c.resolve_time);
    SetNullableTime(stmt, k++, c.purge_time);
    stmt.setInt64(k++, c.revision);
  }
  // RETURNING gives the inserted rows in the order of the VALUES list.
  std::unique_ptr<::sql::ResultSet> rs(stmt.executeQuery());
  for (CaseRow& c : *rows) {
    rs->next();
    c.number = rs->getInt64(1);
  }
}

void InsertNewCase(Lease& db, CaseRow* row) {
  std::vector<CaseRow> rows = {std::move(*row)};
  InsertNewCases(db, &rows);
  *row = std::move(rows.front());
}

void UpdateCaseRow(Lease& db, const CaseRow& c) {
  auto& stmt = db.Prepare(
      "UPDATE cases SET display_name = ?, description = ?, severity = ?, priority = ?, status = ?, "
      "close_reason = ?, close_note = ?, queue_id = ?, assignee = ?, detection_count = ?, update_time = ?, "
      "resolve_time = ?, purge_time = ?, revision = ? WHERE tenant_id = ? AND case_id = ?");
  int k = 1;
  stmt.setString(k++, c.display_name);
  stmt.setString(k++, c.description);
  stmt.setInt(k++, c.severity);
  stmt.setInt(k++, c.priority);
  stmt.setInt(k++, c.status);
  stmt.setInt(k++, c.close_reason);
  stmt.setString(k++, c.close_note);
  SetNullableBytes(stmt, k++, c.queue_id);
  stmt.setString(k++, c.assignee);
  stmt.setInt(k++, c.detection_count);
  stmt.setString(k++, FormatDbTime(c.update_time));
  SetNullableTime(stmt, k++, c.resolve_time);
  SetNullableTime(stmt, k++, c.purge_time);
  stmt.setInt64(k++, c.revision);
  stmt.setString(k++, c.tenant_id);
  stmt.setString(k++, c.case_id);
  stmt.execute();
}

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

// The detections with these ids; INVALID_ARGUMENT naming `detections[i]` for a missing one.
absl::StatusOr<std::vector<DetectionRow>> LoadDetections(Lease& db, const std::string& tenant_id,
                                                         const std::vector<std::string>& ids) {
  std::vector<DetectionRow> out;
  if (ids.empty()) {
    return out;
  }
  std::set<std::string> unique(ids.begin(), ids.end());
  auto& stmt = db.PrepareRepeated(absl::StrCat("SELECT ", kDetectionColumns,
                                               " FROM detections WHERE tenant_id = ? AND detection_id IN (",
                                               Placeholders(unique.size()), ")"),
                                  unique.size());
  int k = 1;
  stmt.setString(k++, tenant_id);
  for (const std::string& id : unique) {
    stmt.setString(k++, id);
  }
  std::unique_ptr<::sql::ResultSet> rs(stmt.executeQuery());
  std::set<std::string> found;
  while (rs->next()) {
    out.push_back(ReadDetection(*rs));
    found.insert(out.back().detection_id);
  }
  Violations v;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (found.count(ids[i]) == 0) {
      v.Add(absl::StrCat("detections[", i, "]"), "no such detection in this tenant");
    }
  }
  if (!v.empty()) {
    return v.ToStatus();
  }
  return out;
}

// Links detections to a case; returns how many links are new.
int LinkDetections(Lease& db, const std::string& tenant_id, const std::string& case_id,
                   const std::vector<DetectionRow>& detections, absl::Time now) {
  if (detections.empty()) {
    return 0;
  }
  std::string sql = "INSERT IGNORE INTO case_detections (tenant_id, case_id, detection_id, create_time) VALUES ";
  sql += Placeholders(detections.size(), "(?, ?, ?, ?)");
  auto& stmt = db.PrepareRepeated(sql, detections.size());
  int k = 1;
  const std::string now_text = FormatDbTime(now);
  for (const DetectionRow& d : detections) {
    stmt.setString(k++, tenant_id);
    stmt.setString(k++, case_id);
    stmt.setString(k++, d.detection_id);
    stmt.setString(k++, now_text);
  }
  return stmt.executeUpdate();
}

// A case with its links and history; alerts and detections forget it.
void RemoveCase(Lease& db, const std::string& tenant_id, const std::string& case_id) {
  for (const char* sql : {"DELETE FROM case_detections WHERE tenant_id = ? AND case_id = ?",
                          "DELETE FROM case_events WHERE tenant_id = ? AND case_id = ?",
                          "UPDATE alerts SET case_id = NULL WHERE tenant_id = ? AND case_id = ?",
                          "UPDATE detections SET case_id = NULL WHERE tenant_id = ? AND case_id = ?",
                          "DELETE FROM cases WHERE tenant_id = ? AND case_id = ?"}) {
    auto& stmt = db.Prepare(sql);
    stmt.setString(1, tenant_id);
    stmt.setString(2, case_id);
    stmt.execute();
  }
}

EventRow Event(const CaseRow& c, const std::string& actor, int type, std::vector<FieldChangeRow> changes,
               std::string summary, absl::Time now) {
  return EventRow{c.case_id, NewIdBytes(now), actor, type, std::move(changes), std::move(summary), now};
}

EventRow CreatedEvent(const CaseRow& c, const std::string& actor) {
  return Event(c, actor, v1::EVENT_TYPE_CREATED, {}, absl::StrCat("CASE-", c.number, " created"), c.create_time);
}

void FillNew(CaseRow* row, absl::Time now) {
  row->case_id = NewIdBytes(now);
  row->create_time = now;
  row->update_time = now;
  row->revision = 1;
}

}  // namespace

const ListSchema& CaseStore::CaseSchema() {
  static const ListSchema* schema = new ListSchema{
      "ListCases",
      "cases",
      kCaseColumns,
      {{"status", "status", FieldType::kEnum, v1::CaseStatus_descriptor()},
       {"severity", "severity", FieldType::kEnum, v1::Severity_descriptor()},
       {"priority", "priority", FieldType::kEnum, v1::Priority_descriptor()},
       {"type", "type", FieldType::kEnum, v1::CaseType_descriptor()},
       {"assignee", "assignee", FieldType::kString},
       {"queue", "queue_id", FieldType::kResource, nullptr, "queues", true},
       {"create_time", "create_time", FieldType::kTime},
       {"update_time", "update_time", FieldType::kTime},
       {"number", "number", FieldType::kInt}},
      {{"create_time", {{"create_time", FieldType::kTime}, {"case_id", FieldType::kResource}}},
       {"update_time", {{"update_time", FieldType::kTime}, {"case_id", FieldType::kResource}}},
       {"severity",
        {{"severity", FieldType::kEnum}, {"create_time", FieldType::kTime}, {"case_id", FieldType::kResource}}},
       {"number", {{"number", FieldType::kInt}, {"case_id", FieldType::kResource}}}},
      "create_time desc"};
  return *schema;
}

struct PendingCreate {
  const CaseRow* row;
  const DetectionCheck* check;
  const std::optional<IdempotencyKey>* key;
  const std::string* actor;
  absl::StatusOr<CaseRow> result = absl::UnknownError("create did not run");
};

struct PendingGet {
  const std::string* tenant_id;
  const std::string* case_id;
  absl::StatusOr<std::optional<CaseRow>> result = absl::UnknownError("read did not run");
};

// Groups are powers of two up to this, which keeps their statements (32 case rows
// is ~2.5 KB of SQL text) among the ones each connection keeps prepared.
constexpr size_t kMaxCreateGroup = 32;
constexpr size_t kMaxGetGroup = 32;

CaseStore::CaseStore(ConnectionPool* pool)
    : pool_(pool),
      creates_(std::make_unique<GroupRunner<PendingCreate>>(
          kMaxCreateGroup, [this](const std::vector<PendingCreate*>& group) { CreateGroup(group); })),
      gets_(std::make_unique<GroupRunner<PendingGet>>(
          kMaxGetGroup, [this](const std::vector<PendingGet*>& group) { GetGroup(group); })) {}

CaseStore::~CaseStore() = default;

GroupRunner<PendingCreate>::Stats CaseStore::CreateGroupStats() const { return creates_->stats(); }

GroupRunner<PendingGet>::Stats CaseStore::GetGroupStats() const { return gets_->stats(); }

absl::StatusOr<CaseRow> CaseStore::Create(CaseRow row, const std::vector<std::string>& detection_ids,
                                          const DetectionCheck& check, const std::optional<IdempotencyKey>& key,
                                          const std::string& actor) {
  if (!detection_ids.empty()) {
    return CreateAlone(std::move(row), detection_ids, check, key, actor);
  }
  PendingCreate pending{&row, &check, &key, &actor};
  creates_->Run(row.tenant_id, &pending);
  return std::move(pending.result);
}

void CaseStore::CreateGroup(const std::vector<PendingCreate*>& group) {
  auto alone = [&](PendingCreate* p) { p->result = CreateAlone(*p->row, {}, *p->check, *p->key, *p->actor); };
  if (group.size() == 1) {
    alone(group.front());
    return;
  }
  const std::string& tenant_id = group.front()->row->tenant_id;
  std::vector<CaseRow> rows;
  absl::Status status = RunInTransaction(*pool_, [&](Lease& db) -> absl::Status {
    const absl::Time now = DbNow();
    rows.clear();
    std::vector<RequestClaim> claims;
    std::set<std::string> queues;
    for (const PendingCreate* p : group) {
      rows.push_back(*p->row);
      FillNew(&rows.back(), now);
      if (p->key->has_value()) {
        claims.push_back({&**p->key, ChildName(tenant_id, "cases", rows.back().case_id)});
      }
      queues.insert(p->row->queue_id);
      RETURN_IF_ERROR((*p->check)({}));
    }
    // Anything but a clean create of every member (a replayed or reused request_id,
    // a missing queue) sends the group back to run one by one.
    if (!ClaimNewRequestIds(db, claims)) {
      return absl::AbortedError("a request_id in the group was claimed before");
    }
    for (const std::string& queue_id : queues) {
      RETURN_IF_ERROR(CheckQueue(db, tenant_id, queue_id, "case.queue"));
    }
    InsertNewCases(db, &rows);
    std::vector<EventRow> events;
    for (size_t i = 0; i < group.size(); ++i) {
      events.push_back(CreatedEvent(rows[i], *group[i]->actor));
    }
    InsertEvents(db, kCaseHistory, tenant_id, events);
    return absl::OkStatus();
  });
  if (status.ok()) {
    for (size_t i = 0; i < group.size(); ++i) {
      group[i]->result = std::move(rows[i]);
    }
  } else if (absl::IsUnavailable(status)) {
    // The COMMIT may have landed: running the creates again could make them twice.
    // Each caller gets UNAVAILABLE, as it would alone; its request_id makes the retry safe.
    for (PendingCreate* p : group) {
      p->result = status;
    }
  } else {
    for (PendingCreate* p : group) {
      alone(p);
    }
  }
}

absl::StatusOr<CaseRow> CaseStore::CreateAlone(CaseRow row, const std::vector<std::string>& detection_ids,
                                               const DetectionCheck& check, const std::optional<IdempotencyKey>& key,
                                               const std::string& actor) {
  CaseRow result;
  absl::Status status = RunInTransaction(*pool_, [&](Lease& db) -> absl::Status {
    const absl::Time now = DbNow();
    CaseRow c = row;
    FillNew(&c, now);
    auto replayed = ReplayOrClaim(
        db, key, ChildName(c.tenant_id, "cases", c.case_id),
        [&](const std::string& id) { return SelectCase(db, c.tenant_id, id, false); }, &result);
    if (!replayed.ok() || *replayed) {
      return replayed.status();
    }
    RETURN_IF_ERROR(CheckQueue(db, row.tenant_id, row.queue_id, "case.queue"));
    ASSIGN_OR_RETURN(auto detections, LoadDetections(db, row.tenant_id, detection_ids));
    RETURN_IF_ERROR(check(detections));
    c.detection_count = static_cast<int>(detections.size());
    InsertNewCase(db, &c);
    LinkDetections(db, c.tenant_id, c.case_id, detections, now);
    InsertEvents(db, kCaseHistory, c.tenant_id, {CreatedEvent(c, actor)});
    result = c;
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return result;
}

absl::StatusOr<CaseRow> CaseStore::Convert(CaseRow row, const std::string& alert_id, const ConversionPlan& plan,
                                           const std::optional<IdempotencyKey>& key, const std::string& actor) {
  CaseRow result;
  const std::string& tenant_id = row.tenant_id;
  absl::Status status = RunInTransaction(*pool_, [&](Lease& db) -> absl::Status {
    const absl::Time now = DbNow();
    CaseRow c = row;
    FillNew(&c, now);
    auto replayed = ReplayOrClaim(
        db, key, ChildName(c.tenant_id, "cases", c.case_id),
        [&](const std::string& id) { return SelectCase(db, c.tenant_id, id, false); }, &result);
    if (!replayed.ok() || *replayed) {
      return replayed.status();
    }
    auto& lock = db.Prepare(absl::StrCat("SELECT ", kAlertColumns,
                                         " FROM alerts WHERE tenant_id = ? AND alert_id = ? FOR UPDATE"));
    lock.setString(1, tenant_id);
    lock.setString(2, alert_id);
    std::unique_ptr<::sql::ResultSet> rs(lock.executeQuery());
    if (!rs->next()) {
      return absl::NotFoundError("alert not found");
    }
    const AlertRow alert = ReadAlert(*rs);
    if (!alert.case_id.empty()) {
      return ErrorWithReason(absl::StatusCode::kFailedPrecondition, "ALERT_ALREADY_CONVERTED",
                             "the alert was already converted to a case",
                             {{"case", ChildName(tenant_id, "cases", alert.case_id)}});
    }
    RETURN_IF_ERROR(CheckQueue(db, tenant_id, row.queue_id, "case.queue"));
    auto& select = db.Prepare(absl::StrCat("SELECT ", kDetectionColumns,
                                           " FROM detections WHERE tenant_id = ? AND alert_id = ? ORDER BY detection_id"));
    select.setString(1, tenant_id);
    select.setString(2, alert_id);
    std::vector<DetectionRow> detections;
    std::unique_ptr<::sql::ResultSet> drs(select.executeQuery());
    while (drs->next()) {
      detections.push_back(ReadDetection(*drs));
    }
    RETURN_IF_ERROR(plan(alert, detections, &c));
    c.source_alert_id = alert_id;
    c.detection_count = static_cast<int>(detections.size());
    InsertNewCase(db, &c);
    LinkDetections(db, tenant_id, c.case_id, detections, now);
    auto& mark_alert = db.Prepare("UPDATE alerts SET case_id = ?, update_time = ? WHERE tenant_id = ? AND alert_id = ?");
    mark_alert.setString(1, c.case_id);
    mark_alert.setString(2, FormatDbTime(now));
    mark_alert.setString(3, tenant_id);
    mark_alert.setString(4, alert_id);
    mark_alert.execute();
    // A detection keeps the first case it was converted into.
    auto& mark_detections = db.Prepare(
        "UPDATE detections SET case_id = ? WHERE tenant_id = ? AND alert_id = ? AND case_id IS NULL");
    mark_detections.setString(1, c.case_id);
    mark_detections.setString(2, tenant_id);
    mark_detections.setString(3, alert_id);
    mark_detections.execute();
    const std::string case_name = ChildName(tenant_id, "cases", c.case_id);
    const std::string alert_name = ChildName(tenant_id, "alerts", alert_id);
    InsertEvents(db, kCaseHistory, tenant_id,
                 {Event(c, actor, v1::EVENT_TYPE_CONVERTED, {{"sourceAlert", "", alert_name}},
                        absl::StrCat("CASE-", c.number, " converted from ", alert_name), now)});
    InsertEvents(db, kAlertHistory, tenant_id,
                 {EventRow{alert_id, NewIdBytes(now), actor, v1::EVENT_TYPE_CONVERTED, {{"case", "", case_name}},
                           absl::StrCat("converted to CASE-", c.number, " (", case_name, ")"), now}});
    result = c;
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return result;
}

absl::StatusOr<std::optional<CaseRow>> CaseStore::Get(const std::string& tenant_id, const std::string& case_id) {
  PendingGet pending{&tenant_id, &case_id};
  gets_->Run(tenant_id, &pending);
  return std::move(pending.result);
}

void CaseStore::GetGroup(const std::vector<PendingGet*>& group) {
  const std::string& tenant_id = *group.front()->tenant_id;
  std::map<std::string, CaseRow> found;
  absl::Status status = RunQuery(*pool_, [&](Lease& db) -> absl::Status {
    // Cached in every size: GroupRunner's groups come in powers of two up to 32.
    auto& stmt = db.Prepare(absl::StrCat("SELECT ", kCaseColumns, " FROM cases WHERE tenant_id = ? AND case_id IN (",
                                         Placeholders(group.size()), ")"));
    int k = 1;
    stmt.setString(k++, tenant_id);
    for (const PendingGet* p : group) {
      stmt.setString(k++, *p->case_id);
    }
    std::unique_ptr<::sql::ResultSet> rs(stmt.executeQuery());
    while (rs->next()) {
      CaseRow row = ReadCase(*rs);
      found.emplace(row.case_id, std::move(row));
    }
    return absl::OkStatus();
  });
  for (PendingGet* p : group) {
    if (!status.ok()) {
      p->result = status;
    } else if (auto it = found.find(*p->case_id); it != found.end()) {
      p->result = std::optional<CaseRow>(it->second);
    } else {
      p->result = std::optional<CaseRow>();
    }
  }
}

absl::StatusOr<CaseRow> CaseStore::Update(const std::string& tenant_id, const std::string& case_id,
                                          const CaseMutation& mutate, const std::string& actor) {
  CaseRow result;
  absl::Status status = RunInTransaction(*pool_, [&](Lease& db) -> absl::Status {
    auto current = SelectCase(db, tenant_id, case_id, true);
    if (!current.has_value()) {
      return absl::NotFoundError("case not found");
    }
    CaseRow next = *current;
    std::vector<FieldChangeRow> changes;
    RETURN_IF_ERROR(mutate(*current, &next, &changes));
    if (changes.empty()) {
      result = *current;
      return absl::OkStatus();
    }
    if (next.queue_id != current->queue_id) {
      RETURN_IF_ERROR(CheckQueue(db, tenant_id, next.queue_id, "case.queue"));
    }
    const absl::Time now = DbNow();
    next.update_time = now;
    next.revision = current->revision + 1;
    UpdateCaseRow(db, next);
    InsertEvents(db, kCaseHistory, tenant_id, {Event(next, actor, v1::EVENT_TYPE_UPDATED, changes, "", now)});
    result = next;
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return result;
}

absl::StatusOr<CaseRow> CaseStore::AddDetections(const std::string& tenant_id, const std::string& case_id,
                                                 const std::vector<std::string>& detection_ids,
                                                 const CaseCheck& may_edit, const DetectionCheck& check,
                                                 const std::string& actor) {
  CaseRow result;
  absl::Status status = RunInTransaction(*pool_, [&](Lease& db) -> absl::Status {
    auto current = SelectCase(db, tenant_id, case_id, true);
    if (!current.has_value()) {
      return absl::NotFoundError("case not found");
    }
    RETURN_IF_ERROR(may_edit(*current));
    ASSIGN_OR_RETURN(auto detections, LoadDetections(db, tenant_id, detection_ids));
    RETURN_IF_ERROR(check(detections));
    const absl::Time now = DbNow();
    const int added = LinkDetections(db, tenant_id, case_id, detections, now);
    result = *current;
    if (added == 0) {
      return absl::OkStatus();
    }
    result.detection_count += added;
    result.update_time = now;
    result.revision += 1;
    UpdateCaseRow(db, result);
    InsertEvents(db, kCaseHistory, tenant_id,
                 {Event(result, actor, v1::EVENT_TYPE_DETECTIONS_ADDED,
                        {{"detectionCount", std::to_string(current->detection_count),
                          std::to_string(result.detection_count)}},
                        absl::StrCat(added, added == 1 ? " detection" : " detections", " added"), now)});
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return result;
}

absl::Status CaseStore::Delete(const std::string& tenant_id, const std::vector<std::string>& case_ids,
                               const CaseCheck& may_remove) {
  return RunInTransaction(*pool_, [&](Lease& db) -> absl::Status {
    for (size_t i = 0; i < case_ids.size(); ++i) {
      auto current = SelectCase(db, tenant_id, case_ids[i], true);
      if (!current.has_value()) {
        return absl::NotFoundError(absl::StrCat("case not found: ", ChildName(tenant_id, "cases", case_ids[i])));
      }
      RETURN_IF_ERROR(may_remove(*current));
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

absl::StatusOr<std::string> CaseStore::ListEvents(const std::string& tenant_id, const std::string& case_id,
                                                  const std::string& case_name, int page_size,
                                                  const std::string& page_token, std::vector<EventRow>* out) {
  return QueryValue<std::string>(*pool_, [&](Lease& db) {
    out->clear();
    return sql::ListEvents(db, kCaseHistory, tenant_id, case_id, case_name, page_size, page_token, out);
  });
}

absl::StatusOr<QueueRow> CaseStore::CreateQueue(QueueRow row, const std::optional<IdempotencyKey>& key) {
  QueueRow result;
  absl::Status status = RunInTransaction(*pool_, [&](Lease& db) -> absl::Status {
    const absl::Time now = DbNow();
    row.queue_id = NewIdBytes(now);
    row.create_time = now;
    auto replayed = ReplayOrClaim(
        db, key, ChildName(row.tenant_id, "queues", row.queue_id),
        [&](const std::string& id) -> std::optional<QueueRow> {
          auto& select =
              db.Prepare(absl::StrCat("SELECT ", kQueueColumns, " FROM queues WHERE tenant_id = ? AND queue_id = ?"));
          select.setString(1, row.tenant_id);
          select.setString(2, id);
          std::unique_ptr<::sql::ResultSet> rs(select.executeQuery());
          return rs->next() ? std::optional<QueueRow>(ReadQueue(*rs)) : std::nullopt;
        },
        &result);
    if (!replayed.ok() || *replayed) {
      return replayed.status();
    }
    auto& insert = db.Prepare(absl::StrCat("INSERT INTO queues (", kQueueColumns, ") VALUES (?, ?, ?, ?, ?)"));
    insert.setString(1, row.tenant_id);
    insert.setString(2, row.queue_id);
    insert.setString(3, row.display_name);
    insert.setString(4, row.description);
    insert.setString(5, FormatDbTime(now));
    insert.execute();
    result = row;
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return result;
}

absl::StatusOr<std::string> CaseStore::ListQueues(const ListParams& params, std::vector<QueueRow>* out) {
  static const ListSchema* schema = new ListSchema{
      "ListQueues", "queues", kQueueColumns, {},
      {{"create_time", {{"create_time", FieldType::kTime}, {"queue_id", FieldType::kResource}}}}, "create_time"};
  return RunListPage(*pool_, *schema, params, &ReadQueue, out);
}

absl::StatusOr<int> CaseStore::PurgeResolved(const std::string& tenant_id, absl::Time now, int batch) {
  int deleted = 0;
  absl::Status status = RunInTransaction(*pool_, [&](Lease& db) -> absl::Status {
    deleted = 0;
    // SKIP LOCKED: replicas purging at the same time take disjoint rows.
    auto& select = db.Prepare(
        "SELECT case_id FROM cases WHERE tenant_id = ? AND purge_time <= ? ORDER BY purge_time LIMIT ? "
        "FOR UPDATE SKIP LOCKED");
    select.setString(1, tenant_id);
    select.setString(2, FormatDbTime(now));
    select.setInt(3, batch);
    std::vector<std::string> ids;
    std::unique_ptr<::sql::ResultSet> rs(select.executeQuery());
    while (rs->next()) {
      ids.push_back(rs->getString(1));
    }
    for (const std::string& id : ids) {
      RemoveCase(db, tenant_id, id);
      ++deleted;
    }
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return deleted;
}

}  // namespace cases::sql
