// casectl: the command-line client for support engineers and scripts, on the SDK.
// Run `casectl help` for the commands. Exit codes: 0 ok, 1 server error,
// 2 usage, 3 authentication or permission, 4 server unreachable.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "cases/client.h"
#include "client/dev_keys.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace cases::client {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitServer = 1;
constexpr int kExitUsage = 2;
constexpr int kExitAuth = 3;
constexpr int kExitUnreachable = 4;

constexpr char kUsage[] = R"(usage: casectl [global flags] COMMAND ...

global flags (also from CASES_ADDR / CASES_TOKEN and the config file
$CASECTL_CONFIG or ~/.config/casectl/config with lines "addr = ...", "token = ..."):
  --addr HOST:PORT   --token JWT   --token-file FILE   --json   --timeout 10s
  --tls   --ca FILE   --cert FILE --key FILE (mTLS)   --server-name NAME

commands:
  whoami
  tenants list | get NAME | create --parent P --kind TENANT|PARTNER|ORGANIZATION --name N
  licenses list --parent P | install --parent P --key KEY
  cases list [--parent tenants/ID|tenants/-] [--filter F] [--order-by O] [--page-size N]
  cases get NAME
  cases create --parent P --name N --severity S [--description D] [--priority P] [--assignee A]
               [--queue Q] [--type SELF_MANAGED|MDR_MANAGED] [--detection NAME]... [--request-id ID]
  cases update NAME [--name N] [--description D] [--severity S] [--priority P] [--status S]
               [--assignee A] [--queue Q] [--etag E]
  cases close NAME --reason REASON [--note TEXT] [--etag E]
  cases remove NAME [NAME...]
  cases add-detections NAME --detection NAME [--detection NAME]...
  cases history NAME
  alerts list [--parent P] [--filter F] [--order-by O]
  alerts convert ALERT --priority P [--name N] [--severity S] [--assignee A] [--queue Q]
  detections list [--parent P] [--filter F] [--order-by O]
  detections ingest --parent P FILE.jsonl       (one Detection JSON object a line)
  queues list --parent P | create --parent P --name N
  requests create --parent P --type MDR|MANAGED_RISK --name N [--description D]
  requests list [--parent P] [--filter F]
  requests get NAME
  requests status NAME --status S
  requests messages NAME
  requests post NAME --body TEXT
  requests watch NAME [--start-after MESSAGE]
  dev keys --out DIR
  dev token --keys DIR --sub S --tid T --role R [--role R...] [--ttl 1h]
  dev license --keys DIR --tenant T --product PRODUCT_MDR --days N [--id LIC]
)";

// Positional words and --flags (repeatable) of one command line.
struct Args {
  std::vector<std::string> words;
  std::multimap<std::string, std::string> flags;
  std::string error;

  bool Has(const std::string& name) const { return flags.count(name) != 0; }
  std::string Get(const std::string& name, const std::string& fallback = "") const {
    auto it = flags.find(name);
    return it == flags.end() ? fallback : it->second;
  }
  std::vector<std::string> All(const std::string& name) const {
    std::vector<std::string> out;
    for (auto [it, end] = flags.equal_range(name); it != end; ++it) {
      out.push_back(it->second);
    }
    return out;
  }
};

const std::vector<std::string> kBooleanFlags = {"json", "tls"};

Args ParseArgs(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) {
      args.words.push_back(a);
      continue;
    }
    a = a.substr(2);
    const size_t eq = a.find('=');
    if (eq != std::string::npos) {
      args.flags.emplace(a.substr(0, eq), a.substr(eq + 1));
    } else if (std::find(kBooleanFlags.begin(), kBooleanFlags.end(), a) != kBooleanFlags.end()) {
      args.flags.emplace(a, "true");
    } else if (i + 1 < argc) {
      args.flags.emplace(a, argv[++i]);
    } else {
      args.error = "--" + a + " needs a value";
    }
  }
  return args;
}

std::map<std::string, std::string> ReadConfigFile() {
  std::map<std::string, std::string> out;
  std::string path;
  if (const char* explicit_path = std::getenv("CASECTL_CONFIG")) {
    path = explicit_path;
  } else if (const char* home = std::getenv("HOME")) {
    path = std::string(home) + "/.config/casectl/config";
  }
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view l = absl::StripAsciiWhitespace(line);
    if (l.empty() || l.front() == '#') {
      continue;
    }
    std::pair<std::string, std::string> kv = absl::StrSplit(l, absl::MaxSplits('=', 1));
    out[std::string(absl::StripAsciiWhitespace(kv.first))] = std::string(absl::StripAsciiWhitespace(kv.second));
  }
  return out;
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "casectl: cannot read %s\n", path.c_str());
    std::exit(kExitUsage);
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An enum value from its full name or a short one ("high" → SEVERITY_HIGH).
template <typename E>
E ParseEnum(const google::protobuf::EnumDescriptor* d, const std::string& text, const std::string& flag) {
  const std::string upper = absl::AsciiStrToUpper(text);
  for (int i = 1; i < d->value_count(); ++i) {
    const std::string& name = d->value(i)->name();
    if (name == upper || (name.size() > upper.size() && name.compare(name.size() - upper.size() - 1, std::string::npos,
                                                                      "_" + upper) == 0)) {
      return static_cast<E>(d->value(i)->number());
    }
  }
  std::vector<std::string> names;
  for (int i = 1; i < d->value_count(); ++i) {
    names.push_back(d->value(i)->name());
  }
  throw UsageError(absl::StrCat("--", flag, ": '", text, "' is not one of ", absl::StrJoin(names, ", ")));
}

std::string Short(const google::protobuf::EnumDescriptor* d, int value) {
  const auto* v = d->FindValueByNumber(value);
  if (v == nullptr || value == 0) {
    return "-";
  }
  const std::string prefix = v->name().substr(0, v->name().find('_', v->name().find('_') + 1) + 1);
  std::string name = v->name();
  // SEVERITY_HIGH → HIGH, CASE_STATUS_NEW → NEW, SERVICE_REQUEST_STATUS_OPEN → OPEN.
  for (const std::string p : {"SERVICE_REQUEST_STATUS_", "SERVICE_REQUEST_TYPE_", "CASE_STATUS_", "CASE_TYPE_",
                              "CLOSE_REASON_", "TENANT_KIND_", "MESSAGE_SIDE_", "INGEST_STATE_", "EVENT_TYPE_", "SEVERITY_",
                              "PRIORITY_", "PRODUCT_", "ROLE_"}) {
    if (name.rfind(p, 0) == 0) {
      return name.substr(p.size());
    }
  }
  return name;
}

std::string Time(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) {
    return "-";
  }
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixSeconds(t.seconds()), absl::UTCTimeZone());
}

class Cli {
 public:
  explicit Cli(Args args) : args_(std::move(args)) {}

  int Run() {
    if (!args_.error.empty()) {
      return Usage(args_.error);
    }
    if (args_.words.empty() || args_.words[0] == "help") {
      std::fputs(kUsage, stdout);
      return args_.words.empty() ? kExitUsage : kExitOk;
    }
    try {
      const std::string& group = args_.words[0];
      if (group == "dev") {
        return Dev();
      }
      Connect();
      if (group == "whoami") return WhoAmI();
      if (group == "tenants") return Tenants();
      if (group == "licenses") return Licenses();
      if (group == "cases") return Cases();
      if (group == "alerts") return Alerts();
      if (group == "detections") return Detections();
      if (group == "queues") return Queues();
      if (group == "requests") return Requests();
      return Usage("unknown command " + group);
    } catch (const UsageError& e) {
      return Usage(e.what());
    }
  }

 private:
  int Usage(const std::string& why) {
    std::fprintf(stderr, "casectl: %s\nRun 'casectl help' for usage.\n", why.c_str());
    return kExitUsage;
  }

  std::string Word(size_t i, const char* what) {
    if (args_.words.size() <= i) {
      throw UsageError(absl::StrCat("missing ", what));
    }
    return args_.words[i];
  }
  std::string Required(const std::string& flag) {
    if (!args_.Has(flag)) {
      throw UsageError("--" + flag + " is required");
    }
    return args_.Get(flag);
  }
  std::string Sub() { return args_.words.size() > 1 ? args_.words[1] : ""; }

  void Connect() {
    const auto config = ReadConfigFile();
    auto setting = [&](const char* flag, const char* env) {
      if (args_.Has(flag)) return args_.Get(flag);
      if (const char* v = std::getenv(env)) return std::string(v);
      auto it = config.find(flag);
      return it == config.end() ? std::string() : it->second;
    };
    ChannelOptions channel;
    channel.target = setting("addr", "CASES_ADDR");
    if (channel.target.empty()) {
      channel.target = "127.0.0.1:50051";
    }
    std::string token = setting("token", "CASES_TOKEN");
    if (args_.Has("token-file")) {
      token = std::string(absl::StripAsciiWhitespace(ReadFileOrDie(args_.Get("token-file"))));
    }
    const std::string ca = setting("ca", "CASES_CA");
    if (args_.Has("tls") || !ca.empty() || args_.Has("cert")) {
      channel.security = args_.Has("cert") ? ChannelOptions::Security::kMutualTls : ChannelOptions::Security::kTls;
      channel.ca_pem = ca.empty() ? "" : ReadFileOrDie(ca);
      if (args_.Has("cert")) {
        channel.cert_pem = ReadFileOrDie(args_.Get("cert"));
        channel.key_pem = ReadFileOrDie(Required("key"));
      }
      channel.server_name_override = args_.Get("server-name");
    }
    CallOptions options;
    absl::Duration timeout;
    if (args_.Has("timeout")) {
      if (!absl::ParseDuration(args_.Get("timeout"), &timeout)) {
        throw UsageError("--timeout must be a duration like 10s");
      }
      options.deadline = absl::ToChronoMilliseconds(timeout);
    }
    client_ = std::make_unique<Client>(MakeChannel(channel), token, options);
  }

  // Prints an error with its details; returns the exit code for it.
  int Fail(const grpc::Status& status) {
    const ErrorDetails d = DetailsOf(status);
    std::fprintf(stderr, "error: %s: %s\n", absl::StatusCodeToString(static_cast<absl::StatusCode>(d.code)).c_str(),
                 d.message.c_str());
    if (!d.reason.empty()) {
      std::fprintf(stderr, "  reason: %s (%s)\n", d.reason.c_str(), d.domain.c_str());
    }
    for (const auto& [k, v] : d.metadata) {
      std::fprintf(stderr, "  %s: %s\n", k.c_str(), v.c_str());
    }
    for (const auto& [field, description] : d.field_violations) {
      std::fprintf(stderr, "  field %s: %s\n", field.c_str(), description.c_str());
    }
    if (d.retry_delay) {
      std::fprintf(stderr, "  retry after: %lldms\n", static_cast<long long>(d.retry_delay->count()));
    }
    switch (d.code) {
      case grpc::StatusCode::UNAUTHENTICATED:
      case grpc::StatusCode::PERMISSION_DENIED:
        return kExitAuth;
      case grpc::StatusCode::UNAVAILABLE:
      case grpc::StatusCode::DEADLINE_EXCEEDED:
        return kExitUnreachable;
      default:
        return kExitServer;
    }
  }

  bool Json() const { return args_.Has("json"); }

  void PrintJson(const google::protobuf::Message& m) {
    std::string out;
    google::protobuf::util::JsonPrintOptions options;
    (void)google::protobuf::util::MessageToJsonString(m, &out, options);
    std::printf("%s\n", out.c_str());
  }

  // Aligned columns, headers first.
  static void PrintTable(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> width(headers.size());
    for (size_t i = 0; i < headers.size(); ++i) {
      width[i] = headers[i].size();
      for (const auto& r : rows) {
        width[i] = std::max(width[i], r[i].size());
      }
    }
    auto line = [&](const std::vector<std::string>& cells) {
      std::string out;
      for (size_t i = 0; i < cells.size(); ++i) {
        out += cells[i];
        if (i + 1 < cells.size()) {
          out += std::string(width[i] - cells[i].size() + 2, ' ');
        }
      }
      std::printf("%s\n", out.c_str());
    };
    line(headers);
    for (const auto& r : rows) {
      line(r);
    }
  }

  // A unary call, printed as JSON or by `show`.
  template <typename Stub, typename Request, typename Response, typename Show>
  int Unary(Stub& stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
            const Request& request, Show show) {
    Response response;
    grpc::Status status = client_->Call(stub, method, request, &response);
    if (!status.ok()) {
      return Fail(status);
    }
    if (Json()) {
      PrintJson(response);
    } else {
      show(response);
    }
    return kExitOk;
  }

  // Every page of a List call, as a table or as JSON lines.
  template <typename Stub, typename Request, typename Response, typename Item, typename Row>
  int List(Stub& stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
           Request request, const google::protobuf::RepeatedPtrField<Item>& (Response::*items)() const,
           const std::vector<std::string>& headers, Row row) {
    if (args_.Has("page-size")) {
      int n = 0;
      if (!absl::SimpleAtoi(args_.Get("page-size"), &n)) {
        throw UsageError("--page-size must be a number");
      }
      request.set_page_size(n);
    }
    auto pager = client_->ListAll(stub, method, request, items);
    std::vector<std::vector<std::string>> rows;
    for (const Item& item : pager) {
      if (Json()) {
        PrintJson(item);
      } else {
        rows.push_back(row(item));
      }
    }
    if (!pager.status().ok()) {
      return Fail(pager.status());
    }
    if (!Json()) {
      PrintTable(headers, rows);
    }
    return kExitOk;
  }

  std::string Parent() { return args_.Get("parent", "tenants/-"); }

  int WhoAmI() {
    return Unary(client_->tenancy(), &v1::TenancyService::Stub::GetCallerIdentity, v1::GetCallerIdentityRequest(),
                 [](const v1::CallerIdentity& id) {
                   std::vector<std::string> roles;
                   for (int r : id.roles()) {
                     roles.push_back(Short(v1::Role_descriptor(), r));
                   }
                   std::printf("subject:   %s\nhome:      %s (%s)\nroles:     %s\nreaches:   %s\n", id.subject().c_str(),
                               id.home_tenant().c_str(), Short(v1::TenantKind_descriptor(), id.home_kind()).c_str(),
                               absl::StrJoin(roles, ", ").c_str(), absl::StrJoin(id.reachable_tenants(), "\n           ").c_str());
                 });
  }

  static std::vector<std::string> TenantRow(const v1::Tenant& t) {
    return {t.name(), Short(v1::TenantKind_descriptor(), t.kind()), t.display_name(),
            t.parent_tenant().empty() ? "-" : t.parent_tenant()};
  }

  int Tenants() {
    const std::string sub = Sub();
    if (sub == "list") {
      return List(client_->tenancy(), &v1::TenancyService::Stub::ListTenants, v1::ListTenantsRequest(),
                  &v1::ListTenantsResponse::tenants, {"NAME", "KIND", "DISPLAY NAME", "PARENT"}, &TenantRow);
    }
    auto show = [](const v1::Tenant& t) { PrintTable({"NAME", "KIND", "DISPLAY NAME", "PARENT"}, {TenantRow(t)}); };
    if (sub == "get") {
      v1::GetTenantRequest request;
      request.set_name(Word(2, "tenant name"));
      return Unary(client_->tenancy(), &v1::TenancyService::Stub::GetTenant, request, show);
    }
    if (sub == "create") {
      v1::CreateTenantRequest request;
      request.mutable_tenant()->set_parent_tenant(Required("parent"));
      request.mutable_tenant()->set_kind(ParseEnum<v1::TenantKind>(v1::TenantKind_descriptor(), Required("kind"), "kind"));
      request.mutable_tenant()->set_display_name(Required("name"));
      request.set_request_id(args_.Get("request-id"));
      return Unary(client_->tenancy(), &v1::TenancyService::Stub::CreateTenant, request, show);
    }
    return Usage("tenants list|get|create");
  }

  int Licenses() {
    auto row = [](const v1::License& l) {
      return std::vector<std::string>{l.name(), Short(v1::Product_descriptor(), l.product()), Time(l.start_time()),
                                      Time(l.expire_time())};
    };
    const std::vector<std::string> headers = {"NAME", "PRODUCT", "START", "EXPIRE"};
    if (Sub() == "list") {
      v1::ListLicensesRequest request;
      request.set_parent(Required("parent"));
      return List(client_->tenancy(), &v1::TenancyService::Stub::ListLicenses, request,
                  &v1::ListLicensesResponse::licenses, headers, row);
    }
    if (Sub() == "install") {
      v1::InstallLicenseRequest request;
      request.set_parent(Required("parent"));
      request.set_license_key(Required("key"));
      return Unary(client_->tenancy(), &v1::TenancyService::Stub::InstallLicense, request,
                   [&](const v1::License& l) { PrintTable(headers, {row(l)}); });
    }
    return Usage("licenses list|install");
  }

  static std::vector<std::string> CaseRow(const v1::Case& c) {
    return {absl::StrCat("CASE-", c.number()), Short(v1::CaseStatus_descriptor(), c.status()),
            Short(v1::Severity_descriptor(), c.severity()), Short(v1::Priority_descriptor(), c.priority()),
            c.assignee().empty() ? "-" : c.assignee(), c.display_name(), c.name()};
  }
  static void ShowCase(const v1::Case& c) {
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
    field("resolved", Time(c.resolve_time()));
    field("purge", Time(c.purge_time()));
    field("etag", c.etag());
    for (const auto& [k, v] : std::map<std::string, std::string>(c.attributes().begin(), c.attributes().end())) {
      std::printf("  %-14s %s = %s\n", "attribute", k.c_str(), v.c_str());
    }
    if (!c.description().empty()) {
      std::printf("\n%s\n", c.description().c_str());
    }
  }

  // Sets case fields from flags; returns the update_mask paths it set.
  std::vector<std::string> CaseFlags(v1::Case* c) {
    std::vector<std::string> paths;
    if (args_.Has("name")) { c->set_display_name(args_.Get("name")); paths.push_back("display_name"); }
    if (args_.Has("description")) { c->set_description(args_.Get("description")); paths.push_back("description"); }
    if (args_.Has("severity")) {
      c->set_severity(ParseEnum<v1::Severity>(v1::Severity_descriptor(), args_.Get("severity"), "severity"));
      paths.push_back("severity");
    }
    if (args_.Has("priority")) {
      c->set_priority(ParseEnum<v1::Priority>(v1::Priority_descriptor(), args_.Get("priority"), "priority"));
      paths.push_back("priority");
    }
    if (args_.Has("status")) {
      c->set_status(ParseEnum<v1::CaseStatus>(v1::CaseStatus_descriptor(), args_.Get("status"), "status"));
      paths.push_back("status");
    }
    if (args_.Has("assignee")) { c->set_assignee(args_.Get("assignee")); paths.push_back("assignee"); }
    if (args_.Has("queue")) { c->set_queue(args_.Get("queue")); paths.push_back("queue"); }
    if (args_.Has("type")) {
      c->set_type(ParseEnum<v1::CaseType>(v1::CaseType_descriptor(), args_.Get("type"), "type"));
    }
    c->set_etag(args_.Get("etag"));
    return paths;
  }

  int Cases() {
    const std::string sub = Sub();
    auto& stub = client_->cases();
    if (sub == "list") {
      v1::ListCasesRequest request;
      request.set_parent(Parent());
      request.set_filter(args_.Get("filter"));
      request.set_order_by(args_.Get("order-by"));
      return List(stub, &v1::CaseService::Stub::ListCases, request, &v1::ListCasesResponse::cases,
                  {"NUMBER", "STATUS", "SEVERITY", "PRIORITY", "ASSIGNEE", "DISPLAY NAME", "NAME"}, &CaseRow);
    }
    if (sub == "get") {
      v1::GetCaseRequest request;
      request.set_name(Word(2, "case name"));
      return Unary(stub, &v1::CaseService::Stub::GetCase, request, &ShowCase);
    }
    if (sub == "create") {
      v1::CreateCaseRequest request;
      request.set_parent(Required("parent"));
      Required("name");
      Required("severity");
      CaseFlags(request.mutable_case_());
      for (const std::string& d : args_.All("detection")) {
        request.add_detections(d);
      }
      request.set_request_id(args_.Get("request-id"));
      return Unary(stub, &v1::CaseService::Stub::CreateCase, request, &ShowCase);
    }
    if (sub == "update" || sub == "close") {
      v1::UpdateCaseRequest request;
      request.mutable_case_()->set_name(Word(2, "case name"));
      std::vector<std::string> paths = CaseFlags(request.mutable_case_());
      if (sub == "close") {
        request.mutable_case_()->set_status(v1::CASE_STATUS_RESOLVED);
        request.mutable_case_()->set_close_reason(
            ParseEnum<v1::CloseReason>(v1::CloseReason_descriptor(), Required("reason"), "reason"));
        request.mutable_case_()->set_close_note(args_.Get("note"));
        paths.insert(paths.end(), {"status", "close_reason", "close_note"});
      }
      if (paths.empty()) {
        throw UsageError("nothing to update: give --name, --severity, --status, ...");
      }
      for (const std::string& p : paths) {
        request.mutable_update_mask()->add_paths(p);
      }
      return Unary(stub, &v1::CaseService::Stub::UpdateCase, request, &ShowCase);
    }
    if (sub == "remove") {
      const std::vector<std::string> names(args_.words.begin() + 2, args_.words.end());
      if (names.empty()) {
        throw UsageError("missing case name");
      }
      auto removed = [&](const google::protobuf::Empty&) { std::printf("removed %zu case(s)\n", names.size()); };
      if (names.size() == 1) {
        v1::DeleteCaseRequest request;
        request.set_name(names[0]);
        return Unary(stub, &v1::CaseService::Stub::DeleteCase, request, removed);
      }
      v1::BatchDeleteCasesRequest request;
      request.set_parent(names[0].substr(0, names[0].find("/cases/")));
      for (const auto& n : names) {
        request.add_names(n);
      }
      return Unary(stub, &v1::CaseService::Stub::BatchDeleteCases, request, removed);
    }
    if (sub == "add-detections") {
      v1::AddCaseDetectionsRequest request;
      request.set_case_(Word(2, "case name"));
      for (const std::string& d : args_.All("detection")) {
        request.add_detections(d);
      }
      return Unary(stub, &v1::CaseService::Stub::AddCaseDetections, request, &ShowCase);
    }
    if (sub == "history") {
      v1::ListCaseEventsRequest request;
      request.set_parent(Word(2, "case name"));
      return List(stub, &v1::CaseService::Stub::ListCaseEvents, request, &v1::ListCaseEventsResponse::events,
                  {"TIME", "ACTOR", "EVENT", "CHANGES"}, [](const v1::CaseEvent& e) {
                    std::vector<std::string> changes;
                    for (const auto& c : e.changes()) {
                      changes.push_back(absl::StrCat(c.field(), ": ", c.old_value().empty() ? "-" : c.old_value(),
                                                     " -> ", c.new_value().empty() ? "-" : c.new_value()));
                    }
                    return std::vector<std::string>{Time(e.create_time()), e.actor(),
                                                    Short(v1::EventType_descriptor(), e.type()),
                                                    changes.empty() ? e.summary() : absl::StrJoin(changes, "; ")};
                  });
    }
    return Usage("cases list|get|create|update|close|remove|add-detections|history");
  }

  int Alerts() {
    if (Sub() == "list") {
      v1::ListAlertsRequest request;
      request.set_parent(Parent());
      request.set_filter(args_.Get("filter"));
      request.set_order_by(args_.Get("order-by"));
      return List(client_->detections(), &v1::DetectionService::Stub::ListAlerts, request,
                  &v1::ListAlertsResponse::alerts, {"SEVERITY", "DETECTIONS", "TITLE", "CASE", "NAME"},
                  [](const v1::Alert& a) {
                    return std::vector<std::string>{Short(v1::Severity_descriptor(), a.severity()),
                                                    std::to_string(a.detection_count()), a.title(),
                                                    a.case_().empty() ? "-" : a.case_(), a.name()};
                  });
    }
    if (Sub() == "convert") {
      v1::ConvertAlertToCaseRequest request;
      request.set_alert(Word(2, "alert name"));
      Required("priority");
      CaseFlags(request.mutable_case_());
      request.set_request_id(args_.Get("request-id"));
      return Unary(client_->cases(), &v1::CaseService::Stub::ConvertAlertToCase, request, &ShowCase);
    }
    return Usage("alerts list|convert");
  }

  int Detections() {
    if (Sub() == "list") {
      v1::ListDetectionsRequest request;
      request.set_parent(Parent());
      request.set_filter(args_.Get("filter"));
      request.set_order_by(args_.Get("order-by"));
      return List(client_->detections(), &v1::DetectionService::Stub::ListDetections, request,
                  &v1::ListDetectionsResponse::detections, {"DETECTED", "PRODUCT", "SEVERITY", "TITLE", "NAME"},
                  [](const v1::Detection& d) {
                    return std::vector<std::string>{Time(d.detect_time()), Short(v1::Product_descriptor(), d.product()),
                                                    Short(v1::Severity_descriptor(), d.severity()), d.title(), d.name()};
                  });
    }
    if (Sub() == "ingest") {
      const std::string parent = Required("parent");
      std::ifstream in(Word(2, "file of detections (JSON lines)"));
      if (!in) {
        throw UsageError("cannot read " + args_.words[2]);
      }
      std::map<int, int> counts;
      int line_number = 0, rejected_lines = 0;
      v1::IngestDetectionsRequest request;
      request.set_parent(parent);
      auto flush = [&]() -> int {
        if (request.detections_size() == 0) {
          return kExitOk;
        }
        v1::IngestDetectionsResponse response;
        grpc::Status status = client_->Call(client_->detections(), &v1::DetectionService::Stub::IngestDetections,
                                            request, &response);
        if (!status.ok()) {
          return Fail(status);
        }
        for (const auto& r : response.results()) {
          ++counts[r.state()];
          if (Json()) {
            PrintJson(r);
          } else if (r.state() == v1::INGEST_STATE_REJECTED) {
            for (const auto& v : r.violations()) {
              std::fprintf(stderr, "rejected: %s: %s\n", v.field().c_str(), v.description().c_str());
            }
          }
        }
        request.clear_detections();
        return kExitOk;
      };
      std::string line;
      while (std::getline(in, line)) {
        ++line_number;
        if (absl::StripAsciiWhitespace(line).empty()) {
          continue;
        }
        v1::Detection d;
        if (!google::protobuf::util::JsonStringToMessage(line, &d).ok()) {
          std::fprintf(stderr, "line %d: not a Detection JSON object\n", line_number);
          ++rejected_lines;
          continue;
        }
        *request.add_detections() = d;
        if (request.detections_size() == 500) {
          if (int rc = flush(); rc != kExitOk) {
            return rc;
          }
        }
      }
      if (int rc = flush(); rc != kExitOk) {
        return rc;
      }
      if (!Json()) {
        std::printf("created %d, already existed %d, rejected %d\n", counts[v1::INGEST_STATE_CREATED],
                    counts[v1::INGEST_STATE_ALREADY_EXISTS], counts[v1::INGEST_STATE_REJECTED] + rejected_lines);
      }
      return counts[v1::INGEST_STATE_REJECTED] + rejected_lines > 0 ? kExitServer : kExitOk;
    }
    return Usage("detections list|ingest");
  }

  int Queues() {
    auto row = [](const v1::Queue& q) { return std::vector<std::string>{q.display_name(), q.name()}; };
    if (Sub() == "list") {
      v1::ListQueuesRequest request;
      request.set_parent(Required("parent"));
      return List(client_->cases(), &v1::CaseService::Stub::ListQueues, request, &v1::ListQueuesResponse::queues,
                  {"DISPLAY NAME", "NAME"}, row);
    }
    if (Sub() == "create") {
      v1::CreateQueueRequest request;
      request.set_parent(Required("parent"));
      request.mutable_queue()->set_display_name(Required("name"));
      return Unary(client_->cases(), &v1::CaseService::Stub::CreateQueue, request,
                   [&](const v1::Queue& q) { PrintTable({"DISPLAY NAME", "NAME"}, {row(q)}); });
    }
    return Usage("queues list|create");
  }

  static std::vector<std::string> RequestRow(const v1::ServiceRequest& r) {
    return {Short(v1::ServiceRequestType_descriptor(), r.type()),
            Short(v1::ServiceRequestStatus_descriptor(), r.status()), r.display_name(), r.name()};
  }
  static void ShowMessage(const v1::Message& m) {
    std::printf("[%s] %s (%s):\n%s\n\n", Time(m.create_time()).c_str(), m.author().c_str(),
                Short(v1::MessageSide_descriptor(), m.side()).c_str(), m.body().c_str());
  }

  int Requests() {
    const std::string sub = Sub();
    auto& stub = client_->requests();
    const std::vector<std::string> headers = {"TYPE", "STATUS", "DISPLAY NAME", "NAME"};
    auto show = [&](const v1::ServiceRequest& r) { PrintTable(headers, {RequestRow(r)}); };
    if (sub == "create") {
      v1::CreateServiceRequestRequest request;
      request.set_parent(Required("parent"));
      auto* sr = request.mutable_service_request();
      sr->set_type(ParseEnum<v1::ServiceRequestType>(v1::ServiceRequestType_descriptor(), Required("type"), "type"));
      sr->set_display_name(Required("name"));
      sr->set_description(args_.Get("description"));
      request.set_request_id(args_.Get("request-id"));
      return Unary(stub, &v1::ServiceRequestService::Stub::CreateServiceRequest, request, show);
    }
    if (sub == "list") {
      v1::ListServiceRequestsRequest request;
      request.set_parent(Parent());
      request.set_filter(args_.Get("filter"));
      return List(stub, &v1::ServiceRequestService::Stub::ListServiceRequests, request,
                  &v1::ListServiceRequestsResponse::service_requests, headers, &RequestRow);
    }
    if (sub == "get") {
      v1::GetServiceRequestRequest request;
      request.set_name(Word(2, "service request name"));
      return Unary(stub, &v1::ServiceRequestService::Stub::GetServiceRequest, request, show);
    }
    if (sub == "status") {
      v1::UpdateServiceRequestRequest request;
      request.mutable_service_request()->set_name(Word(2, "service request name"));
      request.mutable_service_request()->set_status(
          ParseEnum<v1::ServiceRequestStatus>(v1::ServiceRequestStatus_descriptor(), Required("status"), "status"));
      request.mutable_update_mask()->add_paths("status");
      return Unary(stub, &v1::ServiceRequestService::Stub::UpdateServiceRequest, request, show);
    }
    if (sub == "messages") {
      v1::ListMessagesRequest request;
      request.set_parent(Word(2, "service request name"));
      auto pager = client_->ListAll(stub, &v1::ServiceRequestService::Stub::ListMessages, request,
                                    &v1::ListMessagesResponse::messages);
      for (const v1::Message& m : pager) {
        Json() ? PrintJson(m) : ShowMessage(m);
      }
      return pager.status().ok() ? kExitOk : Fail(pager.status());
    }
    if (sub == "post") {
      v1::CreateMessageRequest request;
      request.set_parent(Word(2, "service request name"));
      request.mutable_message()->set_body(Required("body"));
      return Unary(stub, &v1::ServiceRequestService::Stub::CreateMessage, request, &ShowMessage);
    }
    if (sub == "watch") {
      // Streams until interrupted; reconnects after the last message seen.
      v1::StreamMessagesRequest request;
      request.set_parent(Word(2, "service request name"));
      request.set_start_after(args_.Get("start-after"));
      for (int attempt = 1;; ++attempt) {
        auto context = client_->NewContext(std::chrono::hours(24 * 365));
        auto reader = stub.StreamMessages(context.get(), request);
        v1::Message m;
        while (reader->Read(&m)) {
          attempt = 1;
          Json() ? PrintJson(m) : ShowMessage(m);
          std::fflush(stdout);
          request.set_start_after(m.name());
        }
        grpc::Status status = reader->Finish();
        auto delay = RetryDelay(status, true, attempt, client_->options());
        if (!delay.has_value()) {
          return Fail(status);
        }
        std::this_thread::sleep_for(*delay);
      }
    }
    return Usage("requests create|list|get|status|messages|post|watch");
  }

  int Dev() {
    const std::string sub = Sub();
    absl::StatusOr<std::string> result;
    if (sub == "keys") {
      const std::string out = Required("out");
      absl::Status s = WriteDevKeys(out);
      result = s.ok() ? absl::StatusOr<std::string>(out) : absl::StatusOr<std::string>(s);
    } else if (sub == "token") {
      TokenRequest request;
      request.keys_dir = Required("keys");
      request.subject = Required("sub");
      request.tenant = Required("tid");
      request.roles = args_.All("role");
      request.issuer = args_.Get("issuer", request.issuer);
      request.audience = args_.Get("audience", request.audience);
      if (!absl::ParseDuration(args_.Get("ttl", "1h"), &request.ttl) || request.ttl <= absl::ZeroDuration()) {
        throw UsageError("--ttl must be a positive duration like 1h or 30m");
      }
      result = MintDevToken(request, absl::Now());
    } else if (sub == "license") {
      LicenseRequest request;
      request.keys_dir = Required("keys");
      request.tenant = Required("tenant");
      request.product = Required("product");
      request.license_id = args_.Get("id");
      if (!absl::SimpleAtoi(args_.Get("days", "365"), &request.days) || request.days <= 0) {
        throw UsageError("--days must be a positive number");
      }
      result = MintDevLicense(request, absl::Now());
    } else {
      return Usage("dev keys|token|license");
    }
    if (!result.ok()) {
      std::fprintf(stderr, "casectl: %s\n", std::string(result.status().message()).c_str());
      return kExitServer;
    }
    std::printf("%s\n", result->c_str());
    return kExitOk;
  }

  Args args_;
  std::unique_ptr<Client> client_;
};

}  // namespace
}  // namespace cases::client

int main(int argc, char** argv) {
  return cases::client::Cli(cases::client::ParseArgs(argc, argv)).Run();
}
