// cases and queues.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "client/casectl/command.h"

namespace cases::client::cli {
namespace {

std::vector<std::string> CaseRow(const v1::Case& c) {
  return {absl::StrCat("CASE-", c.number()),
          Short(v1::CaseStatus_descriptor(), c.status()),
          Short(v1::Severity_descriptor(), c.severity()),
          Short(v1::Priority_descriptor(), c.priority()),
          c.assignee().empty() ? "-" : c.assignee(),
          c.display_name(),
          c.name()};
}

void ShowCase(const v1::Case& c) {
  std::printf("%s  %s\n", absl::StrCat("CASE-", c.number()).c_str(), c.display_name().c_str());
  auto field = [](const char* k, const std::string& v) {
    if (!v.empty() && v != "-") {
      std::printf("  %-14s %s\n", k, v.c_str());
    }
  };
  field("name", c.name());
  field("type", Short(v1::CaseType_descriptor(), c.type()));
  field("status", Short(v1::CaseStatus_descriptor(), c.status()));
  field("close reason", Short(v1::CloseReason_descriptor(), c.close_reason()));
  field("close note", c.close_note());
  field("severity", Short(v1::Severity_descriptor(), c.severity()));
  field("priority", Short(v1::Priority_descriptor(), c.priority()));
  field("assignee", c.assignee());
  field("queue", c.queue());
  field("detections", std::to_string(c.detection_count()));
  field("source alert", c.source_alert());
  field("creator", c.creator());
  field("created", Time(c.create_time()));
  field("updated", Time(c.update_time()));
  field("acknowledged", Time(c.acknowledge_time()));
  field("ack due", Time(c.acknowledge_deadline()));
  field("resolve due", Time(c.resolve_deadline()));
  field("resolved", Time(c.resolve_time()));
  field("purge", Time(c.purge_time()));
  field("etag", c.etag());
  field("tags", absl::StrJoin(c.tags(), ", "));
  field("devices", absl::StrJoin(c.devices(), ", "));
  field("entities", absl::StrJoin(c.entities(), ", "));
  field("att&ck", absl::StrJoin(c.mitre_techniques(), ", "));
  for (const auto& [k, v] :
       std::map<std::string, std::string>(c.attributes().begin(), c.attributes().end())) {
    std::printf("  %-14s %s = %s\n", "attribute", k.c_str(), v.c_str());
  }
  if (!c.description().empty()) {
    std::printf("\n%s\n", c.description().c_str());
  }
}

std::vector<std::string> EventRow(const v1::CaseEvent& e) {
  std::vector<std::string> changes;
  for (const auto& c : e.changes()) {
    changes.push_back(absl::StrCat(c.field(), ": ", c.old_value().empty() ? "-" : c.old_value(),
                                   " -> ", c.new_value().empty() ? "-" : c.new_value()));
  }
  return {Time(e.create_time()), e.actor(), Short(v1::EventType_descriptor(), e.type()),
          changes.empty() ? e.summary() : absl::StrJoin(changes, "; ")};
}

// Sets case fields from flags; returns the update_mask paths it set.
std::vector<std::string> CaseFlags(const Args& args, v1::Case* c) {
  std::vector<std::string> paths;
  auto text = [&](const char* flag, const char* path, void (v1::Case::*set)(const std::string&)) {
    if (args.Has(flag)) {
      (c->*set)(args.Get(flag));
      paths.push_back(path);
    }
  };
  auto choice = [&](const char* flag, const google::protobuf::EnumDescriptor* d, auto set) {
    if (args.Has(flag)) {
      set(ParseEnumValue(d, args.Get(flag), flag));
      paths.push_back(flag);
    }
  };
  text("name", "display_name", &v1::Case::set_display_name);
  text("description", "description", &v1::Case::set_description);
  choice("severity", v1::Severity_descriptor(),
         [&](int v) { c->set_severity(static_cast<v1::Severity>(v)); });
  choice("priority", v1::Priority_descriptor(),
         [&](int v) { c->set_priority(static_cast<v1::Priority>(v)); });
  choice("status", v1::CaseStatus_descriptor(),
         [&](int v) { c->set_status(static_cast<v1::CaseStatus>(v)); });
  text("assignee", "assignee", &v1::Case::set_assignee);
  text("queue", "queue", &v1::Case::set_queue);
  if (args.Has("type")) {
    c->set_type(ParseEnum<v1::CaseType>(v1::CaseType_descriptor(), args.Get("type"), "type"));
  }
  c->set_etag(args.Get("etag"));
  return paths;
}

// `text` as a quoted filter term (a full-text search).
std::string TextTerm(const std::string& text) {
  std::string quoted = "\"";
  for (char ch : text) {
    if (ch == '"' || ch == '\\') {
      quoted += '\\';
    }
    quoted += ch;
  }
  return quoted + "\"";
}

int ListCases(Context& c) {
  v1::ListCasesRequest request;
  request.set_parent(c.Parent());
  std::string filter = c.args.Get("filter");
  if (c.args.Has("text")) {
    filter = filter.empty() ? TextTerm(c.args.Get("text"))
                            : absl::StrCat(TextTerm(c.args.Get("text")), " AND (", filter, ")");
  }
  request.set_filter(filter);
  request.set_order_by(c.args.Get("order-by"));
  return c.List(
      c.client->cases(), &v1::CaseService::Stub::ListCases, request, &v1::ListCasesResponse::cases,
      {"NUMBER", "STATUS", "SEVERITY", "PRIORITY", "ASSIGNEE", "DISPLAY NAME", "NAME"}, &CaseRow);
}

int GetCase(Context& c) {
  v1::GetCaseRequest request;
  request.set_name(c.args.Word(2, "case name"));
  return c.Unary(c.client->cases(), &v1::CaseService::Stub::GetCase, request, &ShowCase);
}

int CreateCase(Context& c) {
  v1::CreateCaseRequest request;
  request.set_parent(c.args.Required("parent"));
  c.args.Required("name");
  c.args.Required("severity");
  CaseFlags(c.args, request.mutable_case_());
  for (const std::string& d : c.args.All("detection")) {
    request.add_detections(d);
  }
  request.set_request_id(c.args.Get("request-id"));
  return c.Unary(c.client->cases(), &v1::CaseService::Stub::CreateCase, request, &ShowCase);
}

// `cases update` and `cases close` (which adds the closing fields).
int UpdateCase(Context& c, bool close) {
  v1::UpdateCaseRequest request;
  request.mutable_case_()->set_name(c.args.Word(2, "case name"));
  std::vector<std::string> paths = CaseFlags(c.args, request.mutable_case_());
  if (close) {
    request.mutable_case_()->set_status(v1::CASE_STATUS_RESOLVED);
    request.mutable_case_()->set_close_reason(ParseEnum<v1::CloseReason>(
        v1::CloseReason_descriptor(), c.args.Required("reason"), "reason"));
    request.mutable_case_()->set_close_note(c.args.Get("note"));
    paths.insert(paths.end(), {"status", "close_reason", "close_note"});
  }
  if (paths.empty()) {
    throw UsageError("nothing to update: give --name, --severity, --status, ...");
  }
  for (const std::string& p : paths) {
    request.mutable_update_mask()->add_paths(p);
  }
  return c.Unary(c.client->cases(), &v1::CaseService::Stub::UpdateCase, request, &ShowCase);
}

// The case names after the command words; UsageError when there are none.
std::vector<std::string> CaseNames(const Args& args) {
  if (args.words.size() <= 2) {
    throw UsageError("missing case name");
  }
  return {args.words.begin() + 2, args.words.end()};
}

// `cases close` and `cases assign` on several cases: BatchUpdateCases, one call
// per tenant and hundred cases (each all or nothing). `fill` sets the case's
// fields and returns the update_mask paths.
int BatchUpdate(Context& c, const std::vector<std::string>& names,
                const std::function<std::vector<std::string>(v1::Case*)>& fill) {
  std::map<std::string, std::vector<std::string>> by_tenant;
  for (const std::string& name : names) {
    by_tenant[TenantOfItem(name)].push_back(name);
  }
  std::vector<std::vector<std::string>> rows;
  size_t done = 0;
  for (const auto& [tenant, tenant_names] : by_tenant) {
    for (size_t first = 0; first < tenant_names.size(); first += 100) {
      v1::BatchUpdateCasesRequest request;
      request.set_parent(tenant);
      for (size_t i = first; i < tenant_names.size() && i < first + 100; ++i) {
        v1::UpdateCaseRequest* item = request.add_requests();
        item->mutable_case_()->set_name(tenant_names[i]);
        for (const std::string& path : fill(item->mutable_case_())) {
          item->mutable_update_mask()->add_paths(path);
        }
      }
      v1::BatchUpdateCasesResponse response;
      grpc::Status status = c.client->Call(
          c.client->cases(), &v1::CaseService::Stub::BatchUpdateCases, request, &response);
      if (!status.ok()) {
        if (done > 0) {
          std::fprintf(stderr, "%zu case(s) were updated before this batch failed\n", done);
        }
        return PrintError(status);
      }
      done += response.cases_size();
      for (const v1::Case& updated : response.cases()) {
        if (c.Json()) {
          PrintJson(updated);
        } else {
          rows.push_back(CaseRow(updated));
        }
      }
    }
  }
  if (!c.Json()) {
    PrintTable({"NUMBER", "STATUS", "SEVERITY", "PRIORITY", "ASSIGNEE", "DISPLAY NAME", "NAME"},
               rows);
  }
  return kExitOk;
}

int CloseCases(Context& c) {
  const std::vector<std::string> names = CaseNames(c.args);
  if (names.size() == 1) {
    return UpdateCase(c, true);
  }
  const auto reason =
      ParseEnum<v1::CloseReason>(v1::CloseReason_descriptor(), c.args.Required("reason"), "reason");
  const std::string note = c.args.Get("note");
  return BatchUpdate(c, names, [&](v1::Case* item) {
    item->set_status(v1::CASE_STATUS_RESOLVED);
    item->set_close_reason(reason);
    item->set_close_note(note);
    return std::vector<std::string>{"status", "close_reason", "close_note"};
  });
}

int AssignCases(Context& c) {
  const std::string assignee = c.args.Required("to");
  return BatchUpdate(c, CaseNames(c.args), [&](v1::Case* item) {
    item->set_assignee(assignee);
    return std::vector<std::string>{"assignee"};
  });
}

std::string Count(const google::protobuf::Map<std::string, int64_t>& counts,
                  const std::string& key) {
  auto it = counts.find(key);
  return std::to_string(it == counts.end() ? 0 : it->second);
}

std::string DurationText(const google::protobuf::Duration& d, bool has) {
  if (!has) {
    return "-";
  }
  return absl::FormatDuration(absl::Seconds(d.seconds()));
}

int CaseStats(Context& c) {
  v1::GetCaseStatsRequest request;
  request.set_parent(c.Parent());
  request.set_filter(c.args.Get("filter"));
  return c.Unary(
      c.client->cases(), &v1::CaseService::Stub::GetCaseStats, request,
      [](const v1::CaseStats& stats) {
        std::vector<std::vector<std::string>> rows;
        auto row = [&](const std::string& tenant, const auto& s) {
          rows.push_back({tenant, std::to_string(s.total()),
                          Count(s.by_status(), "CASE_STATUS_NEW"),
                          Count(s.by_status(), "CASE_STATUS_INVESTIGATING"),
                          Count(s.by_status(), "CASE_STATUS_ON_HOLD"),
                          Count(s.by_status(), "CASE_STATUS_RESOLVED"),
                          Count(s.by_severity(), "SEVERITY_CRITICAL"),
                          Count(s.by_severity(), "SEVERITY_HIGH"), std::to_string(s.overdue())});
        };
        for (const v1::TenantCaseStats& t : stats.tenants()) {
          row(t.tenant_display_name().empty() ? t.tenant() : t.tenant_display_name(), t);
        }
        row("ALL", stats);
        PrintTable({"TENANT", "TOTAL", "NEW", "INVESTIGATING", "ON HOLD", "RESOLVED", "CRITICAL",
                    "HIGH", "OVERDUE"},
                   rows);
        std::printf(
            "median time to acknowledge: %s\nmedian time to resolve:     %s\n",
            DurationText(stats.median_time_to_acknowledge(), stats.has_median_time_to_acknowledge())
                .c_str(),
            DurationText(stats.median_time_to_resolve(), stats.has_median_time_to_resolve())
                .c_str());
      });
}

void ShowSlaPolicy(const v1::SlaPolicy& policy) {
  std::vector<std::vector<std::string>> rows;
  for (const v1::SlaTarget& t : policy.targets()) {
    rows.push_back({Short(v1::Severity_descriptor(), t.severity()),
                    DurationText(t.acknowledge_within(), t.has_acknowledge_within()),
                    DurationText(t.resolve_within(), t.has_resolve_within())});
  }
  PrintTable({"SEVERITY", "ACKNOWLEDGE WITHIN", "RESOLVE WITHIN"}, rows);
  std::printf("etag %s\n", policy.etag().c_str());
}

int GetSla(Context& c) {
  v1::GetSlaPolicyRequest request;
  request.set_name(c.args.Word(2, "tenant name") + "/slaPolicy");
  return c.Unary(c.client->cases(), &v1::CaseService::Stub::GetSlaPolicy, request, &ShowSlaPolicy);
}

// "--target high=1h/24h": acknowledge within 1 h, resolve within 24 h ("-" for none).
v1::SlaTarget ParseTarget(const std::string& text) {
  const size_t eq = text.find('='), slash = text.find('/');
  if (eq == std::string::npos || slash == std::string::npos || slash < eq) {
    throw UsageError("--target wants SEVERITY=ACK/RESOLVE, e.g. high=1h/24h (- for none)");
  }
  v1::SlaTarget target;
  target.set_severity(
      ParseEnum<v1::Severity>(v1::Severity_descriptor(), text.substr(0, eq), "target"));
  auto duration = [&](const std::string& part, google::protobuf::Duration* out) {
    absl::Duration d;
    if (part == "-") {
      return false;
    }
    if (!absl::ParseDuration(part, &d)) {
      throw UsageError(absl::StrCat("--target: '", part, "' is not a duration like 30m or 24h"));
    }
    out->set_seconds(absl::ToInt64Seconds(d));
    return true;
  };
  if (!duration(text.substr(eq + 1, slash - eq - 1), target.mutable_acknowledge_within())) {
    target.clear_acknowledge_within();
  }
  if (!duration(text.substr(slash + 1), target.mutable_resolve_within())) {
    target.clear_resolve_within();
  }
  return target;
}

int SetSla(Context& c) {
  v1::UpdateSlaPolicyRequest request;
  request.mutable_sla_policy()->set_name(c.args.Word(2, "tenant name") + "/slaPolicy");
  request.mutable_sla_policy()->set_etag(c.args.Get("etag"));
  for (const std::string& t : c.args.All("target")) {
    *request.mutable_sla_policy()->add_targets() = ParseTarget(t);
  }
  request.mutable_update_mask()->add_paths("targets");
  return c.Unary(c.client->cases(), &v1::CaseService::Stub::UpdateSlaPolicy, request,
                 &ShowSlaPolicy);
}

int RemoveCases(Context& c) {
  const std::vector<std::string> names(
      c.args.words.size() > 2
          ? std::vector<std::string>(c.args.words.begin() + 2, c.args.words.end())
          : std::vector<std::string>());
  if (names.empty()) {
    throw UsageError("missing case name");
  }
  auto removed = [&](const google::protobuf::Empty&) {
    std::printf("removed %zu case(s)\n", names.size());
  };
  if (names.size() == 1) {
    v1::DeleteCaseRequest request;
    request.set_name(names[0]);
    return c.Unary(c.client->cases(), &v1::CaseService::Stub::DeleteCase, request, removed);
  }
  v1::BatchDeleteCasesRequest request;
  request.set_parent(names[0].substr(0, names[0].find("/cases/")));
  for (const auto& n : names) {
    request.add_names(n);
  }
  return c.Unary(c.client->cases(), &v1::CaseService::Stub::BatchDeleteCases, request, removed);
}

int AddDetections(Context& c) {
  v1::AddCaseDetectionsRequest request;
  request.set_case_(c.args.Word(2, "case name"));
  for (const std::string& d : c.args.All("detection")) {
    request.add_detections(d);
  }
  return c.Unary(c.client->cases(), &v1::CaseService::Stub::AddCaseDetections, request, &ShowCase);
}

int CaseHistory(Context& c) {
  v1::ListCaseEventsRequest request;
  request.set_parent(c.args.Word(2, "case name"));
  return c.List(c.client->cases(), &v1::CaseService::Stub::ListCaseEvents, request,
                &v1::ListCaseEventsResponse::events, {"TIME", "ACTOR", "EVENT", "CHANGES"},
                &EventRow);
}

int ConvertAlert(Context& c) {
  v1::ConvertAlertToCaseRequest request;
  request.set_alert(c.args.Word(2, "alert name"));
  c.args.Required("priority");
  CaseFlags(c.args, request.mutable_case_());
  request.set_request_id(c.args.Get("request-id"));
  return c.Unary(c.client->cases(), &v1::CaseService::Stub::ConvertAlertToCase, request, &ShowCase);
}

void ShowNote(const v1::CaseNote& n) {
  std::printf("[%s] %s (%s, etag %s):\n%s\n\n", Time(n.create_time()).c_str(), n.author().c_str(),
              n.name().c_str(), n.etag().c_str(), n.body().c_str());
}

// `cases notes list|add|edit|rm`.
int Notes(Context& c) {
  const std::string verb = c.args.Word(2, "list, add, edit or rm");
  if (verb == "list") {
    v1::ListCaseNotesRequest request;
    request.set_parent(c.args.Word(3, "case name"));
    auto pager = c.client->ListAll(c.client->cases(), &v1::CaseService::Stub::ListCaseNotes,
                                   request, &v1::ListCaseNotesResponse::notes);
    for (const v1::CaseNote& n : pager) {
      c.Json() ? PrintJson(n) : ShowNote(n);
    }
    return pager.status().ok() ? kExitOk : PrintError(pager.status());
  }
  if (verb == "add") {
    v1::CreateCaseNoteRequest request;
    request.set_parent(c.args.Word(3, "case name"));
    request.mutable_note()->set_body(c.args.Required("body"));
    request.set_request_id(c.args.Get("request-id"));
    return c.Unary(c.client->cases(), &v1::CaseService::Stub::CreateCaseNote, request, &ShowNote);
  }
  if (verb == "edit") {
    v1::UpdateCaseNoteRequest request;
    request.mutable_note()->set_name(c.args.Word(3, "note name"));
    request.mutable_note()->set_body(c.args.Required("body"));
    request.mutable_note()->set_etag(c.args.Get("etag"));
    request.mutable_update_mask()->add_paths("body");
    return c.Unary(c.client->cases(), &v1::CaseService::Stub::UpdateCaseNote, request, &ShowNote);
  }
  if (verb == "rm") {
    v1::DeleteCaseNoteRequest request;
    request.set_name(c.args.Word(3, "note name"));
    request.set_etag(c.args.Get("etag"));
    return c.Unary(c.client->cases(), &v1::CaseService::Stub::DeleteCaseNote, request,
                   [](const google::protobuf::Empty&) { std::printf("note removed\n"); });
  }
  throw UsageError("cases notes takes list, add, edit or rm");
}

// `cases tag` / `cases untag`: the case's tags with these added or removed, sent
// with the etag just read (a concurrent change is ABORTED, not overwritten).
int Tag(Context& c, bool add) {
  v1::GetCaseRequest get;
  get.set_name(c.args.Word(2, "case name"));
  if (c.args.words.size() <= 3) {
    throw UsageError("missing tag");
  }
  const std::vector<std::string> tags(c.args.words.begin() + 3, c.args.words.end());
  v1::Case current;
  grpc::Status status =
      c.client->Call(c.client->cases(), &v1::CaseService::Stub::GetCase, get, &current);
  if (!status.ok()) {
    return PrintError(status);
  }
  v1::UpdateCaseRequest request;
  request.mutable_case_()->set_name(current.name());
  request.mutable_case_()->set_etag(current.etag());
  for (const std::string& t : current.tags()) {
    if (add || std::find(tags.begin(), tags.end(), t) == tags.end()) {
      request.mutable_case_()->add_tags(t);
    }
  }
  if (add) {
    for (const std::string& t : tags) {
      request.mutable_case_()->add_tags(t);  // the server lowers and de-duplicates
    }
  }
  request.mutable_update_mask()->add_paths("tags");
  return c.Unary(c.client->cases(), &v1::CaseService::Stub::UpdateCase, request, &ShowCase);
}

std::vector<std::string> QueueRow(const v1::Queue& q) { return {q.display_name(), q.name()}; }

int ListQueues(Context& c) {
  v1::ListQueuesRequest request;
  request.set_parent(c.args.Required("parent"));
  return c.List(c.client->cases(), &v1::CaseService::Stub::ListQueues, request,
                &v1::ListQueuesResponse::queues, {"DISPLAY NAME", "NAME"}, &QueueRow);
}

int CreateQueue(Context& c) {
  v1::CreateQueueRequest request;
  request.set_parent(c.args.Required("parent"));
  request.mutable_queue()->set_display_name(c.args.Required("name"));
  return c.Unary(c.client->cases(), &v1::CaseService::Stub::CreateQueue, request,
                 [](const v1::Queue& q) {
                   PrintTable({"DISPLAY NAME", "NAME"}, {QueueRow(q)});
                 });
}

}  // namespace

std::vector<Command> CaseCommands() {
  return {
      {"cases", "list",
       "cases list [--parent tenants/ID|tenants/-] [--text WORDS] [--filter F] [--order-by O]\n"
       "               [--limit N] [--page-size N]",
       &ListCases},
      {"cases", "get", "cases get NAME", &GetCase},
      {"cases", "create",
       "cases create --parent P --name N --severity S [--description D] [--priority P] [--assignee "
       "A]\n"
       "               [--queue Q] [--type SELF_MANAGED|MDR_MANAGED] [--detection NAME]... "
       "[--request-id ID]",
       &CreateCase},
      {"cases", "update",
       "cases update NAME [--name N] [--description D] [--severity S] [--priority P] [--status S]\n"
       "               [--assignee A] [--queue Q] [--etag E]",
       [](Context& c) { return UpdateCase(c, false); }},
      {"cases", "close",
       "cases close NAME [NAME...] --reason REASON [--note TEXT] [--etag E]\n"
       "               (several names: one all-or-nothing batch per tenant)",
       &CloseCases},
      {"cases", "assign", "cases assign NAME [NAME...] --to ASSIGNEE", &AssignCases},
      {"cases", "stats", "cases stats [--parent tenants/ID|tenants/-] [--filter F]", &CaseStats},
      {"sla", "get", "sla get TENANT", &GetSla},
      {"sla", "set",
       "sla set TENANT --target SEVERITY=ACK/RESOLVE [--target ...] [--etag E]\n"
       "               e.g. --target critical=15m/4h --target high=1h/24h (- for none; no target "
       "clears the policy)",
       &SetSla},
      {"cases", "remove", "cases remove NAME [NAME...]", &RemoveCases},
      {"cases", "add-detections",
       "cases add-detections NAME --detection NAME [--detection NAME]...", &AddDetections},
      {"cases", "history", "cases history NAME", &CaseHistory},
      {"cases", "notes",
       "cases notes list CASE | add CASE --body TEXT [--request-id ID]\n"
       "               | edit NOTE --body TEXT [--etag E] | rm NOTE [--etag E]",
       &Notes},
      {"cases", "tag", "cases tag NAME TAG [TAG...]", [](Context& c) { return Tag(c, true); }},
      {"cases", "untag", "cases untag NAME TAG [TAG...]", [](Context& c) { return Tag(c, false); }},
      {"alerts", "convert",
       "alerts convert ALERT --priority P [--name N] [--severity S] [--assignee A] [--queue Q]",
       &ConvertAlert},
      {"queues", "list", "queues list --parent P", &ListQueues},
      {"queues", "create", "queues create --parent P --name N", &CreateQueue},
  };
}

}  // namespace cases::client::cli
