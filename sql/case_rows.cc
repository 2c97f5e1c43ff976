#include "sql/case_rows.h"

#include <cppconn/prepared_statement.h>

#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/ids.h"
#include "soc/cases/v1/case_service.pb.h"
#include "sql/db_time.h"
#include "sql/list_query.h"
#include "sql/tables.h"

namespace cases::sql {

namespace v1 = ::soc::cases::v1;

// The columns an update may change.
namespace {

const std::set<std::string>& MutableCaseColumns() {
  static const auto* columns = new std::set<std::string>{
      "display_name",         "description",      "severity",   "priority", "status",
      "close_reason",         "close_note",       "queue_id",   "assignee", "detection_count",
      "update_time",          "resolve_time",     "purge_time", "revision", "acknowledge_time",
      "acknowledge_deadline", "resolve_deadline", "tags",       "devices",  "entities",
      "mitre_techniques"};
  return *columns;
}

}  // namespace

std::optional<CaseRow> SelectCase(Lease& db, const std::string& tenant_id,
                                  const std::string& case_id, bool for_update) {
  auto& stmt = db.Prepare(absl::StrCat("SELECT ", CaseTable().List(),
                                       " FROM cases WHERE tenant_id = ? AND case_id = ?",
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
      "INSERT INTO tenant_counters (tenant_id, counter, value) VALUES (?, 'cases', "
      "LAST_INSERT_ID(?)) "
      "ON DUPLICATE KEY UPDATE value = LAST_INSERT_ID(value + ?)");
  bump.setString(1, rows->front().tenant_id);
  bump.setInt64(2, n);
  bump.setInt64(3, n);
  bump.execute();
  // Cached in the sizes GroupRunner's groups come in (powers of two up to 32);
  // other sizes (the cases one ingest's rules open) are prepared for this lease.
  // Each row's number is counted back from the bump's LAST_INSERT_ID().
  // Each row's partner (migration 0010) comes from its tenant: the parent of a
  // tenant, the tenant itself otherwise.
  const std::string values = CaseTable().ValueGroup({{"number", "LAST_INSERT_ID() - ?"}});
  const std::string sql = absl::StrCat(
      "INSERT INTO cases (partner_id, ", CaseTable().List(), ") VALUES ",
      Placeholders(rows->size(),
                   absl::StrCat("((SELECT IF(kind = 1, parent_id, tenant_id) FROM tenants "
                                "WHERE tenant_id = ?), ",
                                values.substr(1))),
      " RETURNING number");
  const bool group_size = n <= 32 && (n & (n - 1)) == 0;
  auto& stmt = group_size ? db.Prepare(sql) : db.PrepareRepeated(sql, rows->size());
  int k = 1;
  int64_t later = n;  // how many of this insert's numbers come after this row's
  for (const CaseRow& c : *rows) {
    CaseRow bound = c;
    bound.number = --later;
    stmt.setString(k++, c.tenant_id);
    k = CaseTable().Bind(stmt, k, bound);
  }
  // RETURNING gives the inserted rows in the order of the VALUES list.
  std::unique_ptr<::sql::ResultSet> rs(stmt.executeQuery());
  std::vector<CaseWrite> writes;
  for (CaseRow& c : *rows) {
    rs->next();
    c.number = rs->getInt64(1);
    writes.push_back({nullptr, &c});
  }
  SyncCaseIndexes(db, rows->front().tenant_id, writes);
}

void InsertNewCase(Lease& db, CaseRow* row) {
  std::vector<CaseRow> rows = {std::move(*row)};
  InsertNewCases(db, &rows);
  *row = std::move(rows.front());
}

void UpdateCaseRow(Lease& db, const CaseRow& c) {
  auto& stmt =
      db.Prepare(absl::StrCat("UPDATE cases SET ", CaseTable().Assignments(MutableCaseColumns()),
                              " WHERE tenant_id = ? AND case_id = ?"));
  int k = CaseTable().Bind(stmt, 1, c, &MutableCaseColumns());
  stmt.setString(k++, c.tenant_id);
  stmt.setString(k++, c.case_id);
  stmt.execute();
}

void UpdateCaseRows(Lease& db, const std::vector<CaseRow>& rows) {
  if (rows.size() == 1) {
    UpdateCaseRow(db, rows.front());
    return;
  }
  // Every row exists and is locked: the insert always lands on its duplicate
  // key and updates the mutable columns from the values given.
  std::string updates;
  for (const std::string& column : MutableCaseColumns()) {
    absl::StrAppend(&updates, updates.empty() ? "" : ", ", column, " = VALUES(", column, ")");
  }
  auto& stmt =
      db.PrepareRepeated(absl::StrCat("INSERT INTO cases (", CaseTable().List(), ") VALUES ",
                                      Placeholders(rows.size(), CaseTable().ValueGroup()),
                                      " ON DUPLICATE KEY UPDATE ", updates),
                         rows.size());
  int k = 1;
  for (const CaseRow& c : rows) {
    k = CaseTable().Bind(stmt, k, c);
  }
  stmt.execute();
}

std::vector<CaseRow> LockCases(Lease& db, const std::string& tenant_id,
                               const std::vector<std::string>& case_ids) {
  std::vector<CaseRow> out;
  SelectIn(
      db,
      absl::StrCat("SELECT ", CaseTable().List(),
                   " FROM cases WHERE tenant_id = ? AND case_id IN ("),
      tenant_id, case_ids, [&](::sql::ResultSet& rs) { out.push_back(ReadCase(rs)); },
      " ORDER BY case_id FOR UPDATE");
  return out;
}

// The detections with these ids; INVALID_ARGUMENT naming `detections[i]` for a missing one.
absl::StatusOr<std::vector<DetectionRow>> LoadDetections(Lease& db, const std::string& tenant_id,
                                                         const std::vector<std::string>& ids) {
  std::vector<DetectionRow> out;
  if (ids.empty()) {
    return out;
  }
  std::set<std::string> unique(ids.begin(), ids.end());
  std::map<std::string, DetectionRow> found;
  SelectIn(db,
           absl::StrCat("SELECT ", DetectionTable().List(),
                        " FROM detections WHERE tenant_id = ? AND detection_id IN ("),
           tenant_id, unique, [&](::sql::ResultSet& rs) {
             DetectionRow d = ReadDetection(rs);
             std::string id = d.detection_id;
             found.emplace(std::move(id), std::move(d));
           });
  Violations v;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto it = found.find(ids[i]);
    if (it == found.end()) {
      v.Add(absl::StrCat("detections[", i, "]"), "no such detection in this tenant");
    } else if (unique.erase(ids[i]) != 0) {
      out.push_back(it->second);  // in request order, each once
    }
  }
  if (!v.empty()) {
    return v.ToStatus();
  }
  return out;
}

// Links detections to a case; returns how many links are new.
namespace {

// Appends the values of `from` not in `to` yet, keeping at most kMaxCaseFacetValues.
void AddDistinct(const std::vector<std::string>& from, std::vector<std::string>* to) {
  std::set<std::string> seen(to->begin(), to->end());
  for (const std::string& value : from) {
    if (to->size() >= kMaxCaseFacetValues) {
      return;
    }
    if (!value.empty() && seen.insert(value).second) {
      to->push_back(value);
    }
  }
}

// A case's facet rows, as (kind, value); values lower-cased but techniques.
std::set<std::pair<int, std::string>> FacetsOf(const CaseRow* c) {
  std::set<std::pair<int, std::string>> out;
  if (c == nullptr) {
    return out;
  }
  auto add = [&](FacetKind kind, const std::vector<std::string>& values) {
    for (const std::string& v : values) {
      out.emplace(static_cast<int>(kind), absl::AsciiStrToLower(v));
    }
  };
  add(FacetKind::kTag, c->tags);
  add(FacetKind::kDevice, c->devices);
  add(FacetKind::kEntity, c->entities);
  // A sub-technique's rows hold its technique as well (T1059.001 and T1059), so
  // `mitre_techniques:"T1059"` is one value of the index.
  for (const std::string& t : c->mitre_techniques) {
    out.emplace(static_cast<int>(FacetKind::kTechnique), t);
    out.emplace(static_cast<int>(FacetKind::kTechnique), t.substr(0, t.find('.')));
  }
  return out;
}

std::string SearchDocument(const CaseRow& c) {
  return absl::StrCat(c.display_name, "\n", c.description);
}

}  // namespace

void AttachDetections(Lease& db, const std::string& tenant_id, std::vector<Attachment>* attachments,
                      absl::Time now, Linked known) {
  // The links some of these detections have already: only the others are new.
  std::set<std::string> detection_ids;
  for (const Attachment& a : *attachments) {
    for (const DetectionRow* d : a.detections) {
      detection_ids.insert(d->detection_id);
    }
  }
  if (detection_ids.empty()) {
    return;
  }
  std::set<std::pair<std::string, std::string>> linked;  // (case, detection)
  if (known == Linked::kMaybe) {
    SelectIn(db,
             "SELECT case_id, detection_id FROM case_detections WHERE tenant_id = ? AND "
             "detection_id IN (",
             tenant_id, detection_ids,
             [&](::sql::ResultSet& rs) { linked.emplace(rs.getString(1), rs.getString(2)); });
  }
  std::vector<std::pair<const std::string*, const std::string*>> links;
  for (Attachment& a : *attachments) {
    std::vector<std::string> devices, entities, techniques;
    for (const DetectionRow* d : a.detections) {
      if (linked.emplace(a.row->case_id, d->detection_id).second) {
        links.emplace_back(&a.row->case_id, &d->detection_id);
        ++a.added;
      }
      devices.push_back(d->device);
      entities.push_back(d->entity);
      techniques.insert(techniques.end(), d->mitre_techniques.begin(), d->mitre_techniques.end());
    }
    a.row->detection_count += a.added;
    AddDistinct(devices, &a.row->devices);
    AddDistinct(entities, &a.row->entities);
    AddDistinct(techniques, &a.row->mitre_techniques);
  }
  if (links.empty()) {
    return;
  }
  auto& stmt = db.PrepareRepeated(
      absl::StrCat(
          "INSERT INTO case_detections (tenant_id, case_id, detection_id, create_time) VALUES ",
          Placeholders(links.size(), "(?, ?, ?, ?)")),
      links.size());
  int k = 1;
  const std::string now_text = FormatDbTime(now);
  for (const auto& [case_id, detection_id] : links) {
    stmt.setString(k++, tenant_id);
    stmt.setString(k++, *case_id);
    stmt.setString(k++, *detection_id);
    stmt.setString(k++, now_text);
  }
  stmt.execute();
}

int AttachDetections(Lease& db, CaseRow* c, const std::vector<DetectionRow>& detections,
                     absl::Time now) {
  std::vector<Attachment> one(1);
  one[0].row = c;
  for (const DetectionRow& d : detections) {
    one[0].detections.push_back(&d);
  }
  AttachDetections(db, c->tenant_id, &one, now);
  return one[0].added;
}

void SyncCaseIndexes(Lease& db, const std::string& tenant_id,
                     const std::vector<CaseWrite>& writes) {
  struct Facet {
    const CaseRow* row;
    int kind;
    std::string value;
  };
  std::vector<Facet> added, removed;
  std::vector<const CaseRow*> documents;
  for (const CaseWrite& w : writes) {
    const auto before = FacetsOf(w.before);
    const auto after = FacetsOf(w.after);
    for (const auto& [kind, value] : after) {
      if (before.count({kind, value}) == 0) {
        added.push_back({w.after, kind, value});
      }
    }
    for (const auto& [kind, value] : before) {
      if (after.count({kind, value}) == 0) {
        removed.push_back({w.after, kind, value});
      }
    }
    if (w.before == nullptr || SearchDocument(*w.before) != SearchDocument(*w.after)) {
      documents.push_back(w.after);
    }
  }
  if (!added.empty()) {
    auto& insert = db.PrepareRepeated(
        absl::StrCat(
            "INSERT IGNORE INTO case_facets (tenant_id, case_id, kind, value, create_time) VALUES ",
            Placeholders(added.size(), "(?, ?, ?, ?, ?)")),
        added.size());
    int k = 1;
    for (const Facet& f : added) {
      insert.setString(k++, tenant_id);
      insert.setString(k++, f.row->case_id);
      insert.setInt(k++, f.kind);
      insert.setString(k++, f.value);
      insert.setString(k++, FormatDbTime(f.row->create_time));
    }
    insert.execute();
  }
  if (!removed.empty()) {
    auto& remove = db.PrepareRepeated(
        absl::StrCat("DELETE FROM case_facets WHERE tenant_id = ? AND (case_id, kind, value) IN (",
                     Placeholders(removed.size(), "(?, ?, ?)"), ")"),
        removed.size());
    int k = 1;
    remove.setString(k++, tenant_id);
    for (const Facet& f : removed) {
      remove.setString(k++, f.row->case_id);
      remove.setInt(k++, f.kind);
      remove.setString(k++, f.value);
    }
    remove.execute();
  }
  if (!documents.empty()) {
    auto& upsert = db.PrepareRepeated(
        absl::StrCat("INSERT INTO case_text (tenant_id, case_id, doc_id, body) VALUES ",
                     Placeholders(documents.size(), "(?, ?, ?, ?)"),
                     " ON DUPLICATE KEY UPDATE body = VALUES(body)"),
        documents.size());
    int k = 1;
    for (const CaseRow* c : documents) {
      upsert.setString(k++, tenant_id);
      upsert.setString(k++, c->case_id);
      upsert.setString(k++, c->case_id);
      upsert.setString(k++, SearchDocument(*c));
    }
    upsert.execute();
  }
}

EventRow CaseEvent(const CaseRow& c, const std::string& actor, int type,
                   std::vector<FieldChangeRow> changes, std::string summary, absl::Time now) {
  return EventRow{c.case_id,          NewIdBytes(now),    actor, type,
                  std::move(changes), std::move(summary), now};
}

EventRow CreatedEvent(const CaseRow& c, const std::string& actor) {
  return CaseEvent(c, actor, v1::EVENT_TYPE_CREATED, {},
                   absl::StrCat("CASE-", c.number, " created"), c.create_time);
}

void FillNew(CaseRow* row, absl::Time now) {
  row->case_id = NewIdBytes(now);
  row->create_time = now;
  row->update_time = now;
  row->revision = 1;
}

}  // namespace cases::sql
