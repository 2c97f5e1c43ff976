// Group commit for case creates and updates, and grouped reads (GroupRunner):
// what arrives for one tenant while its previous group runs is handled together.
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "soc/cases/v1/activity_service.pb.h"
#include "sql/activities.h"
#include "sql/case_rows.h"
#include "sql/case_store.h"
#include "sql/db_time.h"
#include "sql/queue_store.h"
#include "sql/tables.h"
#include "sql/transaction.h"

namespace cases::sql {

void CaseStore::CreateGroup(const std::vector<PendingCreate*>& group) {
  auto alone = [&](PendingCreate* p) {
    p->result = CreateAlone(*p->row, {}, *p->plan, *p->key, *p->actor);
  };
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
      RETURN_IF_ERROR((*p->plan)({}, &rows.back()));
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
      RecordActivity(db, CaseActivity(::soc::cases::v1::ACTIVITY_TYPE_CASE_CREATED, rows[i],
                                      *group[i]->actor));
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

void CaseStore::UpdateGroup(const std::vector<PendingUpdate*>& group) {
  auto alone = [&](PendingUpdate* p) {
    absl::StatusOr<std::vector<CaseRow>> rows = UpdateRows(*p->tenant_id, {p->update}, {p->actor});
    p->result = rows.ok() ? absl::StatusOr<CaseRow>(std::move(rows->front())) : rows.status();
  };
  // One transaction locks each case once: a second update of a case in the group
  // runs after it, alone.
  std::vector<PendingUpdate*> together, after;
  std::set<std::string> ids;
  for (PendingUpdate* p : group) {
    (ids.insert(p->update->case_id).second ? together : after).push_back(p);
  }
  if (together.size() == 1) {
    alone(together.front());
  } else {
    std::vector<const CaseUpdate*> updates;
    std::vector<const std::string*> actors;
    for (const PendingUpdate* p : together) {
      updates.push_back(p->update);
      actors.push_back(p->actor);
    }
    absl::StatusOr<std::vector<CaseRow>> rows =
        UpdateRows(*together.front()->tenant_id, updates, actors);
    if (rows.ok()) {
      for (size_t i = 0; i < together.size(); ++i) {
        together[i]->result = std::move((*rows)[i]);
      }
    } else if (absl::IsUnavailable(rows.status())) {
      // The COMMIT may have landed; each caller gets UNAVAILABLE, as it would alone.
      for (PendingUpdate* p : together) {
        p->result = rows.status();
      }
    } else {
      // One update would fail (an etag, a permission, a missing case or queue):
      // each runs alone, so each caller gets exactly the answer it would alone.
      for (PendingUpdate* p : together) {
        alone(p);
      }
    }
  }
  for (PendingUpdate* p : after) {
    alone(p);
  }
}

void CaseStore::GetGroup(const std::vector<PendingGet*>& group) {
  const std::string& tenant_id = *group.front()->tenant_id;
  std::map<std::string, CaseRow> found;
  absl::Status status = RunQuery(*pool_, [&](Lease& db) -> absl::Status {
    // Cached in every size: GroupRunner's groups come in powers of two up to 32.
    auto& stmt = db.Prepare(absl::StrCat("SELECT ", CaseTable().List(),
                                         " FROM cases WHERE tenant_id = ? AND case_id IN (",
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

}  // namespace cases::sql
