#include "sql/case_rule_store.h"

#include <cppconn/prepared_statement.h>

#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "sql/db_time.h"
#include "sql/queue_store.h"
#include "sql/tables.h"
#include "sql/transaction.h"

namespace cases::sql {
namespace {

absl::Status RuleNotFound(const std::string& tenant_id, const std::string& rule_id) {
  return NotFound("case rule", ChildName(tenant_id, "caseRules", rule_id));
}

std::optional<CaseRuleRow> SelectRule(Lease& db, const std::string& tenant_id,
                                      const std::string& rule_id, bool for_update) {
  auto& stmt = db.Prepare(absl::StrCat("SELECT ", CaseRuleTable().List(),
                                       " FROM case_rules WHERE tenant_id = ? AND rule_id = ?",
                                       for_update ? " FOR UPDATE" : ""));
  stmt.setString(1, tenant_id);
  stmt.setString(2, rule_id);
  std::unique_ptr<::sql::ResultSet> rs(stmt.executeQuery());
  return rs->next() ? std::optional<CaseRuleRow>(ReadCaseRule(*rs)) : std::nullopt;
}

// Fills the rules' match_count and last_match_time from their counter rows.
void ReadCounts(Lease& db, const std::string& tenant_id, std::vector<CaseRuleRow>* rules) {
  if (rules->empty()) {
    return;
  }
  absl::flat_hash_map<std::string, CaseRuleRow*> by_id;
  std::set<std::string> ids;
  for (CaseRuleRow& r : *rules) {
    by_id[r.rule_id] = &r;
    ids.insert(r.rule_id);
  }
  SelectIn(
      db,
      "SELECT rule_id, CAST(SUM(match_count) AS SIGNED), MAX(last_match_time) FROM "
      "case_rule_counts WHERE tenant_id = ? AND rule_id IN (",
      tenant_id, ids,
      [&](::sql::ResultSet& rs) {
        CaseRuleRow* r = by_id[std::string(rs.getString(1))];
        r->match_count = rs.getInt64(2);
        r->last_match_time = ParseDbTime(std::string(rs.getString(3)));
      },
      " GROUP BY rule_id");
}

void WriteRule(Lease& db, const CaseRuleRow& r) {
  auto& stmt = db.Prepare(absl::StrCat("REPLACE INTO case_rules (", CaseRuleTable().List(),
                                       ") VALUES ", CaseRuleTable().ValueGroup()));
  CaseRuleTable().Bind(stmt, 1, r);
  stmt.execute();
}

}  // namespace

const ListSchema& CaseRuleStore::Schema() {
  static const auto* schema = new ListSchema{"ListCaseRules",
                                             "case_rules",
                                             CaseRuleTable().List(),
                                             {},
                                             {{"rule_id", {{"rule_id", FieldType::kResource}}}},
                                             "rule_id"};
  return *schema;
}

absl::StatusOr<CaseRuleRow> CaseRuleStore::Create(CaseRuleRow row,
                                                  const std::optional<IdempotencyKey>& key) {
  return TransactionValue<CaseRuleRow>(*pool_, [&](Lease& db) -> absl::StatusOr<CaseRuleRow> {
    const absl::Time now = DbNow();
    CaseRuleRow r = row;
    r.rule_id = NewIdBytes(now);
    r.create_time = now;
    r.update_time = now;
    r.revision = 1;
    CaseRuleRow earlier;
    ASSIGN_OR_RETURN(bool replayed, ReplayOrClaim(
                                        db, key, ChildName(r.tenant_id, "caseRules", r.rule_id),
                                        [&](const std::string& id) {
                                          return SelectRule(db, r.tenant_id, id, false);
                                        },
                                        &earlier));
    if (replayed) {
      std::vector<CaseRuleRow> one = {earlier};
      ReadCounts(db, r.tenant_id, &one);
      return one.front();
    }
    // Creates of one tenant's rules queue on its 'case_rules' counter row (a row
    // that exists even before the first rule: READ COMMITTED takes no gap locks),
    // so two creates racing for the 50th place count one after the other.
    auto& lock = db.Prepare(
        "INSERT INTO tenant_counters (tenant_id, counter, value) VALUES (?, 'case_rules', 0) "
        "ON DUPLICATE KEY UPDATE value = value");
    lock.setString(1, r.tenant_id);
    lock.execute();
    auto& count = db.Prepare("SELECT COUNT(*) FROM case_rules WHERE tenant_id = ?");
    count.setString(1, r.tenant_id);
    std::unique_ptr<::sql::ResultSet> rs(count.executeQuery());
    rs->next();
    if (rs->getInt64(1) >= kMaxCaseRulesPerTenant) {
      return ErrorWithReason(
          absl::StatusCode::kFailedPrecondition, "CASE_RULE_LIMIT",
          absl::StrCat("a tenant has at most ", kMaxCaseRulesPerTenant, " case rules"),
          {{"limit", std::to_string(kMaxCaseRulesPerTenant)}});
    }
    RETURN_IF_ERROR(
        CheckQueue(db, r.tenant_id, r.template_queue_id, "case_rule.case_template.queue"));
    WriteRule(db, r);
    return r;
  });
}

absl::StatusOr<std::optional<CaseRuleRow>> CaseRuleStore::Get(const std::string& tenant_id,
                                                              const std::string& rule_id) {
  return QueryValue<std::optional<CaseRuleRow>>(
      *pool_, [&](Lease& db) -> std::optional<CaseRuleRow> {
        std::optional<CaseRuleRow> row = SelectRule(db, tenant_id, rule_id, false);
        if (!row.has_value()) {
          return std::nullopt;
        }
        std::vector<CaseRuleRow> one = {*std::move(row)};
        ReadCounts(db, tenant_id, &one);
        return one.front();
      });
}

absl::StatusOr<std::string> CaseRuleStore::List(const ListParams& params,
                                                std::vector<CaseRuleRow>* out) {
  return QueryValue<std::string>(*pool_, [&](Lease& db) -> absl::StatusOr<std::string> {
    out->clear();
    ASSIGN_OR_RETURN(std::string next, ListPage(db, Schema(), params, [&](::sql::ResultSet& rs) {
                       out->push_back(ReadCaseRule(rs));
                     }));
    if (!params.tenant_ids.empty()) {
      ReadCounts(db, params.tenant_ids.front(), out);
    }
    return next;
  });
}

absl::StatusOr<std::vector<CaseRuleRow>> CaseRuleStore::LoadAll(const std::string& tenant_id) {
  return QueryValue<std::vector<CaseRuleRow>>(*pool_, [&](Lease& db) {
    std::vector<CaseRuleRow> out;
    auto& stmt = db.Prepare(absl::StrCat("SELECT ", CaseRuleTable().List(),
                                         " FROM case_rules WHERE tenant_id = ? ORDER BY rule_id"));
    stmt.setString(1, tenant_id);
    std::unique_ptr<::sql::ResultSet> rs(stmt.executeQuery());
    while (rs->next()) {
      out.push_back(ReadCaseRule(*rs));
    }
    return out;
  });
}

absl::StatusOr<CaseRuleRow> CaseRuleStore::Update(const std::string& tenant_id,
                                                  const std::string& rule_id,
                                                  const CaseRuleMutation& mutate) {
  return TransactionValue<CaseRuleRow>(*pool_, [&](Lease& db) -> absl::StatusOr<CaseRuleRow> {
    std::optional<CaseRuleRow> current = SelectRule(db, tenant_id, rule_id, true);
    if (!current.has_value()) {
      return RuleNotFound(tenant_id, rule_id);
    }
    std::vector<CaseRuleRow> one = {*current};
    ReadCounts(db, tenant_id, &one);
    CaseRuleRow next = one.front();
    RETURN_IF_ERROR(mutate(one.front(), &next));
    RETURN_IF_ERROR(
        CheckQueue(db, tenant_id, next.template_queue_id, "case_rule.case_template.queue"));
    next.tenant_id = tenant_id;
    next.rule_id = rule_id;
    next.update_time = DbNow();
    next.revision = current->revision + 1;
    WriteRule(db, next);
    return next;
  });
}

absl::Status CaseRuleStore::Delete(const std::string& tenant_id, const std::string& rule_id,
                                   const CaseRuleCheck& may_remove) {
  return RunInTransaction(*pool_, [&](Lease& db) -> absl::Status {
    std::optional<CaseRuleRow> current = SelectRule(db, tenant_id, rule_id, true);
    if (!current.has_value()) {
      return RuleNotFound(tenant_id, rule_id);
    }
    RETURN_IF_ERROR(may_remove(*current));
    ExecuteForKey(db,
                  {"DELETE FROM case_rule_groups WHERE tenant_id = ? AND rule_id = ?",
                   "DELETE FROM case_rule_counts WHERE tenant_id = ? AND rule_id = ?",
                   "DELETE FROM case_rules WHERE tenant_id = ? AND rule_id = ?"},
                  tenant_id, rule_id);
    return absl::OkStatus();
  });
}

}  // namespace cases::sql
