#include "domain/automation.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "domain/case_rules.h"
#include "soc/cases/v1/automation_service.pb.h"
#include "sql/detection_store.h"

namespace cases::domain {
namespace {

namespace v1 = ::soc::cases::v1;
using tenancy::Action;
using tenancy::CallContext;

absl::Status RuleNotFound(const CallContext& call, const std::string& rule_id) {
  return NotFound("case rule", ChildName(call.tenant_id, "caseRules", rule_id));
}

// A detection's value of a rule filter field.
sql::FieldValue ValueOf(const sql::DetectionRow& d, const sql::FilterField& f) {
  if (f.name == "product") {
    return static_cast<int64_t>(d.product);
  }
  if (f.name == "severity") {
    return static_cast<int64_t>(d.severity);
  }
  if (f.name == "title") {
    return d.title;
  }
  if (f.name == "device") {
    return d.device;
  }
  if (f.name == "entity") {
    return d.entity;
  }
  return d.alert_key;
}

std::string GroupKeyOf(int group_by, const sql::DetectionRow& d) {
  switch (group_by) {
    case v1::CASE_RULE_GROUP_BY_DEVICE:
      return d.device;
    case v1::CASE_RULE_GROUP_BY_RULE:
      return "";
    default:
      return d.alert_id;
  }
}

}  // namespace

const std::vector<sql::FilterField>& RuleFilterFields() {
  static const auto* fields = [] {
    auto* out = new std::vector<sql::FilterField>;
    for (const sql::FilterField& f : sql::DetectionStore::DetectionSchema().fields) {
      for (const char* name :
           {"product", "severity", "title", "device", "entity", "mitre_techniques", "alert_key"}) {
        if (f.name == name) {
          out->push_back(f);
        }
      }
    }
    return out;
  }();
  return *fields;
}

bool RuleFilterMatches(const sql::RowFilter& filter, const sql::DetectionRow& d) {
  return filter.Matches([&d](const sql::FilterField& f) { return ValueOf(d, f); },
                        [&d](const sql::FilterField&) { return d.mitre_techniques; });
}

absl::Status CheckRuleFilter(const std::string& filter) {
  absl::StatusOr<sql::RowFilter> compiled = sql::RowFilter::Compile(RuleFilterFields(), filter);
  if (compiled.ok()) {
    return absl::OkStatus();
  }
  // The compiler names `filter`; here the filter is a field of the rule.
  return ForItem(compiled.status(), "case_rule");
}

void CheckTemplateName(Violations& v, const std::string& field, const std::string& name) {
  std::string sample = name;
  for (const char* p : kTemplatePlaceholders) {
    absl::StrReplaceAll({{p, "x"}}, &sample);
  }
  CheckDisplayName(v, field, sample);
}

std::string FillTemplateName(const sql::CaseRuleRow& rule, const sql::DetectionRow& first) {
  const std::string filled =
      absl::StrReplaceAll(rule.template_display_name, {{"{title}", first.title},
                                                       {"{device}", first.device},
                                                       {"{entity}", first.entity},
                                                       {"{alert_key}", first.alert_key}});
  std::string name = ToDisplayName(filled);
  return name.empty() ? rule.display_name : name;
}

const std::set<std::string>& RuleUpdatablePaths() {
  static const auto* paths = new std::set<std::string>{"display_name",
                                                       "description",
                                                       "enabled",
                                                       "filter",
                                                       "case_type",
                                                       "group_by",
                                                       "group_window",
                                                       "case_template",
                                                       "case_template.display_name",
                                                       "case_template.severity",
                                                       "case_template.priority",
                                                       "case_template.queue",
                                                       "case_template.assignee",
                                                       "case_template.tags"};
  return *paths;
}

void CopyRulePaths(const sql::CaseRuleRow& patch, const std::set<std::string>& paths,
                   sql::CaseRuleRow* row) {
  auto has = [&](const char* path) {
    return paths.count(path) != 0 ||
           (absl::StartsWith(path, "case_template.") && paths.count("case_template") != 0);
  };
  if (has("display_name")) {
    row->display_name = patch.display_name;
  }
  if (has("description")) {
    row->description = patch.description;
  }
  if (has("enabled")) {
    row->enabled = patch.enabled;
  }
  if (has("filter")) {
    row->filter = patch.filter;
  }
  if (has("case_type")) {
    row->case_type = patch.case_type;
  }
  if (has("group_by")) {
    row->group_by = patch.group_by;
  }
  if (has("group_window")) {
    row->group_window_seconds = patch.group_window_seconds;
  }
  if (has("case_template.display_name")) {
    row->template_display_name = patch.template_display_name;
  }
  if (has("case_template.severity")) {
    row->template_severity = patch.template_severity;
  }
  if (has("case_template.priority")) {
    row->template_priority = patch.template_priority;
  }
  if (has("case_template.queue")) {
    row->template_queue_id = patch.template_queue_id;
  }
  if (has("case_template.assignee")) {
    row->template_assignee = patch.template_assignee;
  }
  if (has("case_template.tags")) {
    row->template_tags = patch.template_tags;
  }
}

absl::Status Automation::AllowRule(const CallContext& call, Action action,
                                   const sql::CaseRuleRow& row) const {
  return guard_->Allow(call, action, ProductOfCaseType(row.case_type));
}

absl::StatusOr<sql::CaseRuleRow> Automation::CreateRule(
    const CallContext& call, sql::CaseRuleRow row,
    const std::optional<sql::IdempotencyKey>& key) const {
  RETURN_IF_ERROR(AllowRule(call, Action::kManageCaseRules, row));
  RETURN_IF_ERROR(CheckRuleFilter(row.filter));
  row.tenant_id = call.tenant_id;
  row.creator = call.principal.subject;
  ASSIGN_OR_RETURN(sql::CaseRuleRow saved, store_->Create(std::move(row), key));
  Invalidate(call.tenant_id);
  return saved;
}

absl::StatusOr<sql::CaseRuleRow> Automation::GetRule(const CallContext& call,
                                                     const std::string& rule_id) const {
  ASSIGN_OR_RETURN(std::optional<sql::CaseRuleRow> row, store_->Get(call.tenant_id, rule_id));
  if (!row.has_value()) {
    return RuleNotFound(call, rule_id);
  }
  RETURN_IF_ERROR(AllowRule(call, Action::kReadCaseRules, *row));
  return *std::move(row);
}

absl::StatusOr<Page<sql::CaseRuleRow>> Automation::ListRules(const CallContext& call,
                                                             const PageRequest& request) const {
  sql::ListParams params = ChildPageParams(call.tenant_id, request);
  ScopeToPermittedProducts(*guard_, call, "case_type", &CaseTypeOfProduct, &params);
  Page<sql::CaseRuleRow> page;
  ASSIGN_OR_RETURN(page.next_page_token, store_->List(params, &page.rows));
  return page;
}

absl::StatusOr<sql::CaseRuleRow> Automation::UpdateRule(
    const CallContext& call, const UpdateCaseRuleCommand& command) const {
  if (command.paths.count("filter") != 0) {
    RETURN_IF_ERROR(CheckRuleFilter(command.patch.filter));
  }
  auto mutate = [&](const sql::CaseRuleRow& current, sql::CaseRuleRow* next) -> absl::Status {
    // Hidden rules stay hidden: who may not read the rule learns nothing of it.
    RETURN_IF_ERROR(AllowRule(call, Action::kReadCaseRules, current));
    RETURN_IF_ERROR(AllowRule(call, Action::kManageCaseRules, current));
    RETURN_IF_ERROR(CheckEtag(command.etag, current));
    CopyRulePaths(command.patch, command.paths, next);
    return AllowRule(call, Action::kManageCaseRules, *next);
  };
  ASSIGN_OR_RETURN(sql::CaseRuleRow saved, store_->Update(call.tenant_id, command.rule_id, mutate));
  Invalidate(call.tenant_id);
  return saved;
}

absl::Status Automation::DeleteRule(const CallContext& call, const std::string& rule_id,
                                    const std::string& etag) const {
  auto check = [&](const sql::CaseRuleRow& current) -> absl::Status {
    RETURN_IF_ERROR(AllowRule(call, Action::kReadCaseRules, current));
    RETURN_IF_ERROR(AllowRule(call, Action::kManageCaseRules, current));
    return CheckEtag(etag, current);
  };
  RETURN_IF_ERROR(store_->Delete(call.tenant_id, rule_id, check));
  Invalidate(call.tenant_id);
  return absl::OkStatus();
}

void Automation::Invalidate(const std::string& tenant_id) const {
  MutexLock lock(&mu_);
  if (auto it = books_.find(tenant_id); it != books_.end()) {
    it->second.loaded_at = absl::InfinitePast();  // reloaded next, unchanged rules kept
  }
  ++changes_;
}

absl::StatusOr<std::shared_ptr<const Automation::RuleBook>> Automation::BookOf(
    const std::string& tenant_id) const {
  const absl::Time now = absl::Now();
  std::shared_ptr<const RuleBook> previous;
  int64_t changes_before = 0;
  {
    MutexLock lock(&mu_);
    if (auto it = books_.find(tenant_id); it != books_.end()) {
      if (now - it->second.loaded_at < cache_ttl_) {
        return it->second.book;
      }
      previous = it->second.book;
    }
    changes_before = changes_;
  }
  ASSIGN_OR_RETURN(std::vector<sql::CaseRuleRow> rows, store_->LoadAll(tenant_id));
  auto book = std::make_shared<RuleBook>();
  for (sql::CaseRuleRow& row : rows) {
    std::shared_ptr<const CompiledRule> rule;
    if (previous != nullptr) {
      if (auto it = previous->by_id.find(row.rule_id);
          it != previous->by_id.end() && it->second->row.revision == row.revision) {
        rule = it->second;  // unchanged: compiled once
      }
    }
    if (rule == nullptr) {
      // Saved rules compile (they were checked when saved); one that no longer
      // does (a field renamed since) is left out rather than failing every ingest.
      absl::StatusOr<sql::RowFilter> filter =
          sql::RowFilter::Compile(RuleFilterFields(), row.filter);
      if (!filter.ok()) {
        continue;
      }
      const std::string name = ChildName(tenant_id, "caseRules", row.rule_id);
      const v1::Product product = ProductOfCaseType(row.case_type);
      rule = std::make_shared<const CompiledRule>(
          CompiledRule{std::move(row), name, product, *std::move(filter)});
    }
    if (rule->row.enabled != 0) {
      book->enabled.push_back(rule);
    }
    book->by_id[rule->row.rule_id] = rule;
  }
  MutexLock lock(&mu_);
  // Kept even with no TTL: the next load reuses its compiled rules.
  Cached& cached = books_[tenant_id];
  if (changes_ == changes_before) {
    cached = {book, now};
  } else if (cached.book == nullptr) {
    cached = {book, absl::InfinitePast()};
  }
  return std::shared_ptr<const RuleBook>(book);
}

absl::StatusOr<std::optional<sql::IngestRules>> Automation::IngestRulesFor(
    const CallContext& call) const {
  ASSIGN_OR_RETURN(std::shared_ptr<const RuleBook> book, BookOf(call.tenant_id));
  if (book->enabled.empty()) {
    return std::nullopt;
  }
  // Read before the transaction, as a create reads it.
  ASSIGN_OR_RETURN(const sql::SlaPolicyRow policy, sla_->Get(call.tenant_id));
  sql::IngestRules rules;
  rules.match = [book](const std::vector<sql::DetectionRow>& created) {
    std::vector<sql::RuleMatch> matches;
    for (size_t i = 0; i < created.size(); ++i) {
      const sql::DetectionRow& d = created[i];
      for (size_t r = 0; r < book->enabled.size(); ++r) {
        const CompiledRule& rule = *book->enabled[r];
        if (d.product != rule.product || !RuleFilterMatches(rule.filter, d)) {
          continue;
        }
        matches.push_back({i, r, rule.row.rule_id, &rule.name, &rule.row.display_name,
                           GroupKeyOf(rule.row.group_by, d),
                           absl::Seconds(rule.row.group_window_seconds)});
      }
    }
    return matches;
  };
  rules.open = [book, policy](const sql::RuleMatch& match, const sql::DetectionRow& first,
                              sql::CaseRow* row) {
    const CompiledRule& rule = *book->enabled[match.rule];
    const sql::CaseRuleRow& r = rule.row;
    row->type = r.case_type;
    row->display_name = FillTemplateName(r, first);
    row->description = absl::StrCat("Opened by case rule '", r.display_name, "' (", rule.name,
                                    ") for detection ", first.external_id, ": ", first.title);
    row->severity = r.template_severity != 0 ? r.template_severity : first.severity;
    row->priority = r.template_priority != 0 ? r.template_priority : v1::PRIORITY_MEDIUM;
    row->status = v1::CASE_STATUS_NEW;
    row->queue_id = r.template_queue_id;
    row->assignee = r.template_assignee;
    row->tags = r.template_tags;
    row->creator = rule.name;
    ApplySlaDeadlines(policy, row);
    ApplyAcknowledgement(row->create_time, row);
    return absl::OkStatus();
  };
  return rules;
}

}  // namespace cases::domain
