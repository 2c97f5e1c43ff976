// The automation unit of the domain layer: case rules, saved and checked here,
// and evaluated at ingest. A rule's filter is the ListDetections grammar over
// the fields a detection has when it arrives (RuleFilterFields), compiled once
// into a RowFilter (sql/list_query.h, the same compiler ListDetections uses) and
// kept per tenant in a rule book: reloaded after the tenancy cache TTL (so other
// replicas' changes arrive within it), at once after this replica's own change,
// recompiling only rules whose revision changed.
//
//   domain::Automation automation(&guard, &rule_store, &sla_store, ttl);
//   ASSIGN_OR_RETURN(auto rules, automation.IngestRulesFor(call));  // nullopt: none
//   store.Ingest(tenant, rows, actor, rules ? &*rules : nullptr);
#ifndef CASES_DOMAIN_AUTOMATION_H_
#define CASES_DOMAIN_AUTOMATION_H_

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "common/sync.h"
#include "domain/page.h"
#include "sql/case_rule_store.h"
#include "sql/list_query.h"
#include "sql/sla_store.h"
#include "tenancy/guard.h"

namespace cases::domain {

inline constexpr absl::Duration kDefaultGroupWindow = absl::Hours(24);
inline constexpr absl::Duration kMinGroupWindow = absl::Minutes(1);
inline constexpr absl::Duration kMaxGroupWindow = absl::Hours(720);

// The fields a rule filter may test: ListDetections' own (same names, same
// literals), those a detection has when it arrives.
const std::vector<sql::FilterField>& RuleFilterFields();

// INVALID_ARGUMENT naming `case_rule.filter` unless `filter` compiles over RuleFilterFields.
absl::Status CheckRuleFilter(const std::string& filter);

// Whether a rule's compiled filter matches a detection as it arrives.
bool RuleFilterMatches(const sql::RowFilter& filter, const sql::DetectionRow& d);

// The placeholders a template's display name may hold.
inline constexpr const char* kTemplatePlaceholders[] = {"{title}", "{device}", "{entity}",
                                                        "{alert_key}"};

// A template display name is valid when, with each placeholder standing for a
// word, it is a valid display name (CheckDisplayName).
void CheckTemplateName(Violations& v, const std::string& field, const std::string& name);

// The display name of a case a rule opens: the template's placeholders filled
// from `first`, then made a valid display name (common/validation.h
// ToDisplayName: refused characters become `-`, cut to 120 characters); the
// rule's display name when nothing is left.
std::string FillTemplateName(const sql::CaseRuleRow& rule, const sql::DetectionRow& first);

// The update_mask paths of UpdateCaseRule, and a copy of those of `patch` into `row`.
const std::set<std::string>& RuleUpdatablePaths();
void CopyRulePaths(const sql::CaseRuleRow& patch, const std::set<std::string>& paths,
                   sql::CaseRuleRow* row);

struct UpdateCaseRuleCommand {
  std::string rule_id;
  sql::CaseRuleRow patch;       // the new values of `paths`
  std::set<std::string> paths;  // update_mask paths, "*" expanded
  std::string etag;             // empty: no check
};

class Automation {
 public:
  Automation(const tenancy::Guard* guard, sql::CaseRuleStore* store, sql::SlaStore* sla,
             absl::Duration cache_ttl)
      : guard_(guard), store_(store), sla_(sla), cache_ttl_(cache_ttl) {}

  // Rules making a case type are managed by who may create that type of case and
  // read by who may read it (kManageCaseRules / kReadCaseRules for its product).
  absl::StatusOr<sql::CaseRuleRow> CreateRule(const tenancy::CallContext& call,
                                              sql::CaseRuleRow row,
                                              const std::optional<sql::IdempotencyKey>& key) const;
  absl::StatusOr<sql::CaseRuleRow> GetRule(const tenancy::CallContext& call,
                                           const std::string& rule_id) const;
  absl::StatusOr<Page<sql::CaseRuleRow>> ListRules(const tenancy::CallContext& call,
                                                   const PageRequest& page) const;
  absl::StatusOr<sql::CaseRuleRow> UpdateRule(const tenancy::CallContext& call,
                                              const UpdateCaseRuleCommand& command) const;
  absl::Status DeleteRule(const tenancy::CallContext& call, const std::string& rule_id,
                          const std::string& etag) const;

  // What an ingest of the call's tenant runs on its created detections: its
  // enabled rules, each taking detections of its case type's product that its
  // filter matches; nullopt when the tenant has no enabled rule.
  absl::StatusOr<std::optional<sql::IngestRules>> IngestRulesFor(
      const tenancy::CallContext& call) const;

 private:
  struct CompiledRule {
    sql::CaseRuleRow row;
    std::string name;  // tenants/{t}/caseRules/{r}
    ::soc::cases::v1::Product product;
    sql::RowFilter filter;
  };
  struct RuleBook {
    std::vector<std::shared_ptr<const CompiledRule>> enabled;
    absl::flat_hash_map<std::string, std::shared_ptr<const CompiledRule>> by_id;  // every rule
  };
  struct Cached {
    std::shared_ptr<const RuleBook> book;
    absl::Time loaded_at;  // InfinitePast once this replica changed a rule
  };

  absl::StatusOr<std::shared_ptr<const RuleBook>> BookOf(const std::string& tenant_id) const;
  void Invalidate(const std::string& tenant_id) const;
  absl::Status AllowRule(const tenancy::CallContext& call, tenancy::Action action,
                         const sql::CaseRuleRow& row) const;

  const tenancy::Guard* guard_;
  sql::CaseRuleStore* store_;
  sql::SlaStore* sla_;
  const absl::Duration cache_ttl_;
  mutable Mutex mu_;
  mutable absl::flat_hash_map<std::string, Cached> books_ ABSL_GUARDED_BY(mu_);
  // Bumped by every change on this replica: a load that started before one does
  // not cache what it read.
  mutable int64_t changes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace cases::domain

#endif  // CASES_DOMAIN_AUTOMATION_H_
