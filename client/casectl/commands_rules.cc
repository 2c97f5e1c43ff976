// Case rules: the cases that open themselves at ingest.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/casectl/command.h"

namespace cases::client::cli {
namespace {

const std::vector<std::string> kRuleHeaders = {"ENABLED", "TYPE",         "GROUP BY", "MATCHES",
                                               "FILTER",  "DISPLAY NAME", "NAME"};

std::vector<std::string> RuleRow(const v1::CaseRule& r) {
  return {r.enabled() ? "yes" : "no",
          Short(v1::CaseType_descriptor(), r.case_type()),
          Short(v1::CaseRuleGroupBy_descriptor(), r.group_by()),
          absl::StrCat(r.match_count()),
          r.filter(),
          r.display_name(),
          r.name()};
}

void ShowRule(const v1::CaseRule& r) {
  PrintTable(kRuleHeaders, {RuleRow(r)});
  const v1::CaseTemplate& t = r.case_template();
  std::printf("window %s, case name \"%s\", severity %s, priority %s, etag %s\n",
              absl::FormatDuration(absl::Seconds(r.group_window().seconds())).c_str(),
              t.display_name().c_str(), Short(v1::Severity_descriptor(), t.severity()).c_str(),
              Short(v1::Priority_descriptor(), t.priority()).c_str(), r.etag().c_str());
}

// The rule fields given as flags into `r`, and their update_mask paths into `paths`.
void RuleFlags(const Args& args, v1::CaseRule* r, std::vector<std::string>* paths) {
  auto text = [&](const char* flag, const char* path, auto set) {
    if (args.Has(flag)) {
      set(args.Get(flag));
      paths->push_back(path);
    }
  };
  v1::CaseTemplate* t = r->mutable_case_template();
  text("name", "display_name", [&](const std::string& v) { r->set_display_name(v); });
  text("description", "description", [&](const std::string& v) { r->set_description(v); });
  text("filter", "filter", [&](const std::string& v) { r->set_filter(v); });
  text("type", "case_type", [&](const std::string& v) {
    r->set_case_type(ParseEnum<v1::CaseType>(v1::CaseType_descriptor(), v, "type"));
  });
  text("group-by", "group_by", [&](const std::string& v) {
    r->set_group_by(
        ParseEnum<v1::CaseRuleGroupBy>(v1::CaseRuleGroupBy_descriptor(), v, "group-by"));
  });
  text("window", "group_window", [&](const std::string& v) {
    absl::Duration d;
    if (!absl::ParseDuration(v, &d)) {
      throw UsageError(absl::StrCat("--window: '", v, "' is not a duration like 30m or 24h"));
    }
    r->mutable_group_window()->set_seconds(absl::ToInt64Seconds(d));
  });
  text("case-name", "case_template.display_name",
       [&](const std::string& v) { t->set_display_name(v); });
  text("severity", "case_template.severity", [&](const std::string& v) {
    t->set_severity(ParseEnum<v1::Severity>(v1::Severity_descriptor(), v, "severity"));
  });
  text("priority", "case_template.priority", [&](const std::string& v) {
    t->set_priority(ParseEnum<v1::Priority>(v1::Priority_descriptor(), v, "priority"));
  });
  text("queue", "case_template.queue", [&](const std::string& v) { t->set_queue(v); });
  text("assignee", "case_template.assignee", [&](const std::string& v) { t->set_assignee(v); });
  if (args.Has("tag")) {
    for (const std::string& tag : args.All("tag")) {
      t->add_tags(tag);
    }
    paths->push_back("case_template.tags");
  }
}

int CreateRule(Context& c) {
  v1::CreateCaseRuleRequest request;
  request.set_parent(c.args.Required("parent"));
  std::vector<std::string> paths;
  RuleFlags(c.args, request.mutable_case_rule(), &paths);
  request.mutable_case_rule()->set_enabled(!c.args.Has("disabled"));
  request.set_request_id(c.args.Get("request-id"));
  return c.Unary(c.client->automation(), &v1::AutomationService::Stub::CreateCaseRule, request,
                 &ShowRule);
}

int ListRules(Context& c) {
  v1::ListCaseRulesRequest request;
  request.set_parent(c.args.Required("parent"));
  return c.List(c.client->automation(), &v1::AutomationService::Stub::ListCaseRules, request,
                &v1::ListCaseRulesResponse::case_rules, kRuleHeaders, &RuleRow);
}

int GetRule(Context& c) {
  v1::GetCaseRuleRequest request;
  request.set_name(c.args.Word(2, "case rule name"));
  return c.Unary(c.client->automation(), &v1::AutomationService::Stub::GetCaseRule, request,
                 &ShowRule);
}

// `rules update` with the given flags; `enable` and `disable` set `enabled` only.
int UpdateRule(Context& c, std::optional<bool> enabled) {
  v1::UpdateCaseRuleRequest request;
  v1::CaseRule* r = request.mutable_case_rule();
  r->set_name(c.args.Word(2, "case rule name"));
  r->set_etag(c.args.Get("etag"));
  std::vector<std::string> paths;
  if (enabled.has_value()) {
    r->set_enabled(*enabled);
    paths.push_back("enabled");
  } else {
    RuleFlags(c.args, r, &paths);
  }
  if (paths.empty()) {
    throw UsageError("rules update: give at least one field to change");
  }
  for (const std::string& p : paths) {
    request.mutable_update_mask()->add_paths(p);
  }
  return c.Unary(c.client->automation(), &v1::AutomationService::Stub::UpdateCaseRule, request,
                 &ShowRule);
}

int RemoveRule(Context& c) {
  v1::DeleteCaseRuleRequest request;
  request.set_name(c.args.Word(2, "case rule name"));
  request.set_etag(c.args.Get("etag"));
  return c.Unary(
      c.client->automation(), &v1::AutomationService::Stub::DeleteCaseRule, request,
      [&](const google::protobuf::Empty&) { std::printf("removed %s\n", request.name().c_str()); });
}

constexpr char kRuleFlags[] =
    "[--name N] [--description D] [--filter F] [--type SELF_MANAGED|MDR_MANAGED]\n"
    "               [--group-by ALERT|DEVICE|RULE] [--window 24h] [--case-name TEMPLATE]\n"
    "               [--severity S] [--priority P] [--queue Q] [--assignee A] [--tag T ...]";

}  // namespace

std::vector<Command> RuleCommands() {
  return {
      {"rules", "list", "rules list --parent TENANT", &ListRules},
      {"rules", "get", "rules get NAME", &GetRule},
      {"rules", "create",
       absl::StrCat("rules create --parent TENANT --name N --type T --case-name TEMPLATE ",
                    kRuleFlags, " [--disabled] [--request-id ID]"),
       &CreateRule},
      {"rules", "update", absl::StrCat("rules update NAME ", kRuleFlags, " [--etag E]"),
       [](Context& c) { return UpdateRule(c, std::nullopt); }},
      {"rules", "enable", "rules enable NAME [--etag E]",
       [](Context& c) { return UpdateRule(c, true); }},
      {"rules", "disable", "rules disable NAME [--etag E]",
       [](Context& c) { return UpdateRule(c, false); }},
      {"rules", "rm", "rules rm NAME [--etag E]", &RemoveRule},
  };
}

}  // namespace cases::client::cli
