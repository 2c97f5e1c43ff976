// The cases case rules open and join inside an ingest transaction.
#include <cppconn/prepared_statement.h>

#include <map>
#include <random>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "soc/cases/v1/activity_service.pb.h"
#include "soc/cases/v1/case_service.pb.h"
#include "sql/activities.h"
#include "sql/case_rows.h"
#include "sql/case_rule_store.h"
#include "sql/db_time.h"
#include "sql/history.h"
#include "sql/list_query.h"

namespace cases::sql {
namespace {

namespace v1 = ::soc::cases::v1;

// Counter rows per rule: concurrent ingests bump one of them at random.
constexpr int kCounterSlots = 8;

using GroupKey = std::pair<std::string, std::string>;  // (rule id, group key)

// The detections of one rule and group key in this batch, and the case they join.
struct Group {
  const RuleMatch* first = nullptr;
  std::vector<const DetectionRow*> detections;
  CaseRow* target = nullptr;
  bool opened = false;
};

std::string Plural(int n, absl::string_view one) {
  return absl::StrCat(n, " ", one, n == 1 ? "" : "s");
}

// Inserts the missing group rows and locks all of them, in key order (the map's).
void LockGroups(Lease& db, const std::string& tenant_id, const std::map<GroupKey, Group>& groups) {
  auto& stmt = db.PrepareRepeated(
      absl::StrCat("INSERT INTO case_rule_groups (tenant_id, rule_id, group_key, case_id) VALUES ",
                   Placeholders(groups.size(), "(?, ?, ?, NULL)"),
                   " ON DUPLICATE KEY UPDATE case_id = case_id"),
      groups.size());
  int k = 1;
  for (const auto& [key, group] : groups) {
    stmt.setString(k++, tenant_id);
    stmt.setString(k++, key.first);
    stmt.setString(k++, key.second);
  }
  stmt.execute();
}

// The case each group row points at (groups without one are left out).
std::map<GroupKey, std::string> CasesOfGroups(Lease& db, const std::string& tenant_id,
                                              const std::map<GroupKey, Group>& groups) {
  std::vector<std::string> arms(groups.size(), "(rule_id = ? AND group_key = ?)");
  auto& stmt = db.PrepareRepeated(
      absl::StrCat("SELECT rule_id, group_key, case_id FROM case_rule_groups WHERE tenant_id = ? "
                   "AND case_id IS NOT NULL AND (",
                   absl::StrJoin(arms, " OR "), ")"),
      groups.size());
  int k = 1;
  stmt.setString(k++, tenant_id);
  for (const auto& [key, group] : groups) {
    stmt.setString(k++, key.first);
    stmt.setString(k++, key.second);
  }
  std::unique_ptr<::sql::ResultSet> rs(stmt.executeQuery());
  std::map<GroupKey, std::string> out;
  while (rs->next()) {
    out[{rs->getString(1), rs->getString(2)}] = rs->getString(3);
  }
  return out;
}

void PointGroups(Lease& db, const std::string& tenant_id, const std::map<GroupKey, Group>& groups,
                 size_t opened) {
  auto& stmt = db.PrepareRepeated(
      absl::StrCat("INSERT INTO case_rule_groups (tenant_id, rule_id, group_key, case_id) VALUES ",
                   Placeholders(opened, "(?, ?, ?, ?)"),
                   " ON DUPLICATE KEY UPDATE case_id = VALUES(case_id)"),
      opened);
  int k = 1;
  for (const auto& [key, group] : groups) {
    if (group.opened) {
      stmt.setString(k++, tenant_id);
      stmt.setString(k++, key.first);
      stmt.setString(k++, key.second);
      stmt.setString(k++, group.target->case_id);
    }
  }
  stmt.execute();
}

// Adds each rule's matches to one of its counter rows (rules in id order, so
// concurrent ingests lock counter rows in one order).
void CountMatches(Lease& db, const std::string& tenant_id, const std::vector<RuleMatch>& matches,
                  absl::Time now) {
  std::map<std::string, int64_t> per_rule;
  for (const RuleMatch& m : matches) {
    ++per_rule[m.rule_id];
  }
  thread_local std::minstd_rand random(std::random_device{}());
  auto& stmt = db.PrepareRepeated(
      absl::StrCat("INSERT INTO case_rule_counts (tenant_id, rule_id, slot, match_count, "
                   "last_match_time) VALUES ",
                   Placeholders(per_rule.size(), "(?, ?, ?, ?, ?)"),
                   " ON DUPLICATE KEY UPDATE match_count = match_count + VALUES(match_count), "
                   "last_match_time = GREATEST(last_match_time, VALUES(last_match_time))"),
      per_rule.size());
  int k = 1;
  const std::string now_text = FormatDbTime(now);
  for (const auto& [rule_id, count] : per_rule) {
    stmt.setString(k++, tenant_id);
    stmt.setString(k++, rule_id);
    stmt.setInt(k++, static_cast<int>(random() % kCounterSlots));
    stmt.setInt64(k++, count);
    stmt.setString(k++, now_text);
  }
  stmt.execute();
}

}  // namespace

absl::Status ApplyCaseRules(Lease& db, const std::string& tenant_id, const IngestRules& rules,
                            const std::vector<DetectionRow>& created, absl::Time now) {
  const std::vector<RuleMatch> matches = rules.match(created);
  if (matches.empty()) {
    return absl::OkStatus();
  }
  std::map<GroupKey, Group> groups;
  for (const RuleMatch& m : matches) {
    Group& g = groups[{m.rule_id, m.group_key}];
    if (g.first == nullptr) {
      g.first = &m;
    }
    g.detections.push_back(&created[m.detection]);
  }
  LockGroups(db, tenant_id, groups);
  const std::map<GroupKey, std::string> current = CasesOfGroups(db, tenant_id, groups);

  // The groups' current cases, locked: joined while unresolved and inside the window.
  std::set<std::string> current_ids;
  for (const auto& [key, case_id] : current) {
    current_ids.insert(case_id);
  }
  std::vector<CaseRow> before;
  if (!current_ids.empty()) {
    before = LockCases(db, tenant_id, {current_ids.begin(), current_ids.end()});
  }
  absl::flat_hash_map<std::string, size_t> index_of_case;
  for (size_t i = 0; i < before.size(); ++i) {
    index_of_case[before[i].case_id] = i;
  }
  std::vector<CaseRow> joined = before;  // their new states, same order
  std::vector<CaseRow> opened;
  opened.reserve(groups.size());
  for (auto& [key, g] : groups) {
    auto it = current.find(key);
    auto found = it == current.end() ? index_of_case.end() : index_of_case.find(it->second);
    if (found != index_of_case.end()) {
      CaseRow& c = joined[found->second];
      if (c.status != v1::CASE_STATUS_RESOLVED && c.create_time > now - g.first->group_window) {
        g.target = &c;
        continue;
      }
    }
    CaseRow row;
    row.tenant_id = tenant_id;
    FillNew(&row, now);
    RETURN_IF_ERROR(rules.open(*g.first, *g.detections.front(), &row));
    row.source_rule_id = key.first;
    opened.push_back(std::move(row));
    g.target = &opened.back();
    g.opened = true;
  }

  std::vector<Attachment> attachments;
  attachments.reserve(groups.size());
  for (auto& [key, g] : groups) {
    attachments.push_back({g.target, g.detections});
  }
  AttachDetections(db, tenant_id, &attachments, now, Linked::kFresh);

  if (!opened.empty()) {
    InsertNewCases(db, &opened);
    PointGroups(db, tenant_id, groups, opened.size());
  }
  std::vector<CaseRow> changed;
  std::vector<CaseWrite> writes;
  for (size_t i = 0; i < joined.size(); ++i) {
    if (joined[i].detection_count != before[i].detection_count) {
      joined[i].update_time = now;
      joined[i].revision += 1;
      changed.push_back(joined[i]);
      writes.push_back({&before[i], &joined[i]});
    }
  }
  if (!changed.empty()) {
    UpdateCaseRows(db, changed);
    SyncCaseIndexes(db, tenant_id, writes);
  }

  std::vector<EventRow> events;
  size_t a = 0;
  for (const auto& [key, g] : groups) {
    const Attachment& attached = attachments[a++];
    const CaseRow& c = *g.target;
    const std::string rule = absl::StrCat("rule '", *g.first->rule_display_name, "'");
    if (g.opened) {
      events.push_back(CaseEvent(c, *g.first->rule_name, v1::EVENT_TYPE_CREATED, {},
                                 absl::StrCat("CASE-", c.number, " opened by ", rule, " with ",
                                              Plural(attached.added, "detection")),
                                 now));
      RecordActivity(db, CaseActivity(v1::ACTIVITY_TYPE_CASE_CREATED, c, *g.first->rule_name));
    } else if (attached.added > 0) {
      const std::vector<FieldChangeRow> changes = {
          {"detectionCount", std::to_string(c.detection_count - attached.added),
           std::to_string(c.detection_count)}};
      events.push_back(
          CaseEvent(c, *g.first->rule_name, v1::EVENT_TYPE_DETECTIONS_ADDED, changes,
                    absl::StrCat(Plural(attached.added, "detection"), " added by ", rule), now));
      RecordActivity(db, CaseActivity(v1::ACTIVITY_TYPE_CASE_DETECTIONS_ADDED, c,
                                      *g.first->rule_name, changes));
    }
  }
  if (!events.empty()) {
    InsertEvents(db, kCaseHistory, tenant_id, events);
  }
  CountMatches(db, tenant_id, matches, now);
  return absl::OkStatus();
}

}  // namespace cases::sql
