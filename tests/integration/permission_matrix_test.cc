// The permission matrix against the real server: every RPC × every role ×
// licence (present / absent / expired) × target (own / child / foreign tenant).
//
// The expected outcome of each cell is written here from the contract's
// permission table (docs/api.md, "Who may do what") — never read from tenancy/permissions.cc —
// so a wrong entry in the code's table fails this test. Order of checks:
// authentication, reach (TENANT_NOT_REACHABLE), role (ROLE_REQUIRED), licence
// (LICENSE_REQUIRED / LICENSE_EXPIRED). A cell that passes all of them may still
// fail later (NOT_FOUND, INVALID_ARGUMENT, ...), but never with PERMISSION_DENIED
// or UNAUTHENTICATED.
#include <functional>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "tests/integration/world.h"

namespace cases::testing {
namespace {

using Call = std::function<grpc::Status(Stubs&, grpc::ClientContext*, const std::string& tenant)>;

// ---- Expectations, from the contract (docs/api.md) -------------------------------------------

const std::set<std::string> kAllRoles = {
    "TENANT_SUPER_ADMIN",   "TENANT_ADMIN",      "TENANT_READ_ONLY",       "PARTNER_SUPER_ADMIN",
    "PARTNER_ADMIN",        "PARTNER_READ_ONLY", "ENTERPRISE_SUPER_ADMIN", "ENTERPRISE_ADMIN",
    "ENTERPRISE_READ_ONLY", "MDR_ANALYST",       "MANAGED_RISK_ANALYST",   "PLATFORM_ADMIN",
    "DETECTION_INGESTER"};
// "create / update self-managed cases, convert alerts, add detections, queues":
// tenant, partner and enterprise SUPER_ADMIN and ADMIN.
const std::set<std::string> kCustomerAdmins = {"TENANT_SUPER_ADMIN",     "TENANT_ADMIN",
                                               "PARTNER_SUPER_ADMIN",    "PARTNER_ADMIN",
                                               "ENTERPRISE_SUPER_ADMIN", "ENTERPRISE_ADMIN"};

std::set<std::string> AllBut(std::initializer_list<const char*> excluded) {
  std::set<std::string> out = kAllRoles;
  for (const char* e : excluded) {
    out.erase(e);
  }
  return out;
}
std::set<std::string> Plus(std::set<std::string> base, std::initializer_list<const char*> extra) {
  base.insert(extra.begin(), extra.end());
  return base;
}

struct RpcSpec {
  std::string name;
  std::set<std::string> roles;  // who may call it
  bool needs_licence;           // some product licence on the target tenant
  bool has_target;              // names a tenant in the request
  Call call;
  // Roles allowed in their home tenant only ("provider analysts in the provider tenant").
  std::set<std::string> home_only = {};
};

std::string Child(const std::string& tenant, const std::string& collection) {
  return absl::StrCat(tenant, "/", collection, "/", NewIdText());
}

template <typename Resp>
grpc::Status Drop(grpc::Status status, const Resp&) {
  return status;
}

#define RPC(stub, Method, Req, Resp, fill)                     \
  [](Stubs& s, grpc::ClientContext* c, const std::string& t) { \
    v1::Req req;                                               \
    fill;                                                      \
    Resp resp;                                                 \
    return s.stub->Method(c, req, &resp);                      \
  }

std::vector<RpcSpec> Specs() {
  // Reads: every role that reaches the tenant; provider analysts only their product's items.
  // "DETECTION_INGESTER is a pipeline account: it ingests and reads nothing else."
  const auto queue_reads = AllBut({"MANAGED_RISK_ANALYST", "DETECTION_INGESTER"});
  const auto detection_reads = AllBut({"DETECTION_INGESTER"});  // of any product
  const auto case_reads = AllBut({"MANAGED_RISK_ANALYST", "DETECTION_INGESTER"});
  const auto request_reads = AllBut({"DETECTION_INGESTER"});  // MDR or Managed Risk requests
  const auto tenancy_reads = AllBut({"DETECTION_INGESTER"});
  const auto tenant_admins = std::set<std::string>{"TENANT_SUPER_ADMIN", "TENANT_ADMIN"};
  // "subscriptions: tenant, partner and enterprise SUPER_ADMIN and ADMIN; provider analysts
  // in the provider tenant; PLATFORM_ADMIN". No licence: the feed is the tenant's.
  const auto subscribers =
      Plus(kCustomerAdmins, {"MDR_ANALYST", "MANAGED_RISK_ANALYST", "PLATFORM_ADMIN"});
  const std::set<std::string> analysts = {"MDR_ANALYST", "MANAGED_RISK_ANALYST"};
  return {
      // CaseService. CreateCase without a type is a self-managed (XDR) case: MDR analysts may not.
      {"CreateCase", kCustomerAdmins, true, true,
       RPC(cases, CreateCase, CreateCaseRequest, v1::Case,
           (req.set_parent(t), req.mutable_case_()->set_display_name("x")))},
      {"CreateCase(MDR-managed)",
       {"MDR_ANALYST"},
       true,
       true,
       RPC(cases, CreateCase, CreateCaseRequest, v1::Case,
           (req.set_parent(t), req.mutable_case_()->set_type(v1::CASE_TYPE_MDR_MANAGED)))},
      {"ConvertAlertToCase", kCustomerAdmins, true, true,
       RPC(cases, ConvertAlertToCase, ConvertAlertToCaseRequest, v1::Case,
           req.set_alert(Child(t, "alerts")))},
      {"GetCase", case_reads, true, true,
       RPC(cases, GetCase, GetCaseRequest, v1::Case, req.set_name(Child(t, "cases")))},
      {"ListCases", case_reads, true, true,
       RPC(cases, ListCases, ListCasesRequest, v1::ListCasesResponse, req.set_parent(t))},
      // Self-managed cases by customer admins, MDR-managed ones by MDR analysts: the type
      // is the stored case's, so both pass the first check.
      {"UpdateCase", Plus(kCustomerAdmins, {"MDR_ANALYST"}), true, true,
       RPC(cases, UpdateCase, UpdateCaseRequest, v1::Case,
           req.mutable_case_()->set_name(Child(t, "cases")))},
      // MDR analysts add MDR detections to MDR-managed cases.
      {"AddCaseDetections", Plus(kCustomerAdmins, {"MDR_ANALYST"}), true, true,
       RPC(cases, AddCaseDetections, AddCaseDetectionsRequest, v1::Case,
           req.set_case_(Child(t, "cases")))},
      // "close (→ RESOLVED) or remove a self-managed case: TENANT_SUPER_ADMIN, TENANT_ADMIN only".
      {"DeleteCase", tenant_admins, true, true,
       RPC(cases, DeleteCase, DeleteCaseRequest, google::protobuf::Empty,
           req.set_name(Child(t, "cases")))},
      {"BatchDeleteCases", tenant_admins, true, true,
       RPC(cases, BatchDeleteCases, BatchDeleteCasesRequest, google::protobuf::Empty,
           (req.set_parent(t), req.add_names(Child(t, "cases"))))},
      {"ListCaseEvents", case_reads, true, true,
       RPC(cases, ListCaseEvents, ListCaseEventsRequest, v1::ListCaseEventsResponse,
           req.set_parent(Child(t, "cases")))},
      {"CreateQueue", kCustomerAdmins, true, true,
       RPC(cases, CreateQueue, CreateQueueRequest, v1::Queue, req.set_parent(t))},
      {"ListQueues", queue_reads, true, true,
       RPC(cases, ListQueues, ListQueuesRequest, v1::ListQueuesResponse, req.set_parent(t))},
      // Bulk updates: each item as a lone UpdateCase, so the first check is UpdateCase's.
      {"BatchUpdateCases", Plus(kCustomerAdmins, {"MDR_ANALYST"}), true, true,
       RPC(cases, BatchUpdateCases, BatchUpdateCasesRequest, v1::BatchUpdateCasesResponse,
           req.set_parent(t))},
      {"GetCaseStats", case_reads, true, true,
       RPC(cases, GetCaseStats, GetCaseStatsRequest, v1::CaseStats, req.set_parent(t))},
      // "SLA policy: tenant, partner and enterprise SUPER_ADMIN; PLATFORM_ADMIN"; whoever reads
      // cases reads it. The policy needs no licence.
      {"GetSlaPolicy", tenancy_reads, false, true,
       RPC(cases, GetSlaPolicy, GetSlaPolicyRequest, v1::SlaPolicy,
           req.set_name(t + "/slaPolicy"))},
      {"UpdateSlaPolicy",
       {"TENANT_SUPER_ADMIN", "PARTNER_SUPER_ADMIN", "ENTERPRISE_SUPER_ADMIN", "PLATFORM_ADMIN"},
       false,
       true,
       RPC(cases, UpdateSlaPolicy, UpdateSlaPolicyRequest, v1::SlaPolicy,
           req.mutable_sla_policy()->set_name(t + "/slaPolicy"))},
      // "case notes: who may update the case; on MDR-managed cases also TENANT_SUPER_ADMIN,
      // TENANT_ADMIN". The case's type is the stored case's, so every writer of either
      // type passes the first check; reads are case reads.
      {"CreateCaseNote", Plus(kCustomerAdmins, {"MDR_ANALYST"}), true, true,
       RPC(cases, CreateCaseNote, CreateCaseNoteRequest, v1::CaseNote,
           (req.set_parent(Child(t, "cases")), req.mutable_note()->set_body("x")))},
      {"ListCaseNotes", case_reads, true, true,
       RPC(cases, ListCaseNotes, ListCaseNotesRequest, v1::ListCaseNotesResponse,
           req.set_parent(Child(t, "cases")))},
      {"UpdateCaseNote", Plus(kCustomerAdmins, {"MDR_ANALYST"}), true, true,
       RPC(cases, UpdateCaseNote, UpdateCaseNoteRequest, v1::CaseNote,
           req.mutable_note()->set_name(Child(t, "cases") + "/notes/" + NewIdText()))},
      {"DeleteCaseNote", Plus(kCustomerAdmins, {"MDR_ANALYST"}), true, true,
       RPC(cases, DeleteCaseNote, DeleteCaseNoteRequest, google::protobuf::Empty,
           req.set_name(Child(t, "cases") + "/notes/" + NewIdText()))},
      // DetectionService: "ingest detections: DETECTION_INGESTER, PLATFORM_ADMIN"; reads of each
      // product's detections and alerts need that product's licence.
      {"IngestDetections",
       {"DETECTION_INGESTER", "PLATFORM_ADMIN"},
       true,
       true,
       RPC(detections, IngestDetections, IngestDetectionsRequest, v1::IngestDetectionsResponse,
           req.set_parent(t))},
      {"GetDetection", detection_reads, true, true,
       RPC(detections, GetDetection, GetDetectionRequest, v1::Detection,
           req.set_name(Child(t, "detections")))},
      {"ListDetections", detection_reads, true, true,
       RPC(detections, ListDetections, ListDetectionsRequest, v1::ListDetectionsResponse,
           req.set_parent(t))},
      {"GetAlert", detection_reads, true, true,
       RPC(detections, GetAlert, GetAlertRequest, v1::Alert, req.set_name(Child(t, "alerts")))},
      {"ListAlerts", detection_reads, true, true,
       RPC(detections, ListAlerts, ListAlertsRequest, v1::ListAlertsResponse, req.set_parent(t))},
      {"ListAlertEvents", detection_reads, true, true,
       RPC(detections, ListAlertEvents, ListAlertEventsRequest, v1::ListAlertEventsResponse,
           req.set_parent(Child(t, "alerts")))},
      // ServiceRequestService.
      {"CreateServiceRequest(MDR)", kCustomerAdmins, true, true,
       RPC(requests, CreateServiceRequest, CreateServiceRequestRequest, v1::ServiceRequest,
           (req.set_parent(t),
            req.mutable_service_request()->set_type(v1::SERVICE_REQUEST_TYPE_MDR)))},
      {"CreateServiceRequest(Managed Risk)", kCustomerAdmins, true, true,
       RPC(requests, CreateServiceRequest, CreateServiceRequestRequest, v1::ServiceRequest,
           (req.set_parent(t),
            req.mutable_service_request()->set_type(v1::SERVICE_REQUEST_TYPE_MANAGED_RISK)))},
      {"GetServiceRequest", request_reads, true, true,
       RPC(requests, GetServiceRequest, GetServiceRequestRequest, v1::ServiceRequest,
           req.set_name(Child(t, "serviceRequests")))},
      {"ListServiceRequests", request_reads, true, true,
       RPC(requests, ListServiceRequests, ListServiceRequestsRequest,
           v1::ListServiceRequestsResponse, req.set_parent(t))},
      {"UpdateServiceRequest",
       {"MDR_ANALYST", "MANAGED_RISK_ANALYST"},
       true,
       true,
       RPC(requests, UpdateServiceRequest, UpdateServiceRequestRequest, v1::ServiceRequest,
           req.mutable_service_request()->set_name(Child(t, "serviceRequests")))},
      {"CreateMessage", Plus(kCustomerAdmins, {"MDR_ANALYST", "MANAGED_RISK_ANALYST"}), true, true,
       RPC(requests, CreateMessage, CreateMessageRequest, v1::Message,
           req.set_parent(Child(t, "serviceRequests")))},
      {"ListMessages", request_reads, true, true,
       RPC(requests, ListMessages, ListMessagesRequest, v1::ListMessagesResponse,
           req.set_parent(Child(t, "serviceRequests")))},
      {"StreamMessages", request_reads, true, true,
       [](Stubs& s, grpc::ClientContext* c, const std::string& t) {
         v1::StreamMessagesRequest req;
         req.set_parent(Child(t, "serviceRequests"));
         c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
         auto reader = s.requests->StreamMessages(c, req);
         v1::Message m;
         if (reader->Read(&m)) {
           c->TryCancel();
         }
         return reader->Finish();
       }},
      // AutomationService: "case rules: as creating the case type the rule makes"; whoever
      // reads those cases reads the rules. A stored rule's type is checked once it is read.
      {"CreateCaseRule", kCustomerAdmins, true, true,
       RPC(automation, CreateCaseRule, CreateCaseRuleRequest, v1::CaseRule,
           (req.set_parent(t),
            req.mutable_case_rule()->set_case_type(v1::CASE_TYPE_SELF_MANAGED)))},
      {"CreateCaseRule(MDR-managed)",
       {"MDR_ANALYST"},
       true,
       true,
       RPC(automation, CreateCaseRule, CreateCaseRuleRequest, v1::CaseRule,
           (req.set_parent(t), req.mutable_case_rule()->set_case_type(v1::CASE_TYPE_MDR_MANAGED)))},
      {"GetCaseRule", case_reads, true, true,
       RPC(automation, GetCaseRule, GetCaseRuleRequest, v1::CaseRule,
           req.set_name(Child(t, "caseRules")))},
      {"ListCaseRules", case_reads, true, true,
       RPC(automation, ListCaseRules, ListCaseRulesRequest, v1::ListCaseRulesResponse,
           req.set_parent(t))},
      {"UpdateCaseRule", Plus(kCustomerAdmins, {"MDR_ANALYST"}), true, true,
       RPC(automation, UpdateCaseRule, UpdateCaseRuleRequest, v1::CaseRule,
           req.mutable_case_rule()->set_name(Child(t, "caseRules")))},
      {"DeleteCaseRule", Plus(kCustomerAdmins, {"MDR_ANALYST"}), true, true,
       RPC(automation, DeleteCaseRule, DeleteCaseRuleRequest, google::protobuf::Empty,
           req.set_name(Child(t, "caseRules")))},
      // TenancyService: "tenants and licences: PLATFORM_ADMIN; PARTNER_SUPER_ADMIN may create
      // tenants under its partner"; reading them is open to whoever reaches the tenant.
      {"GetCallerIdentity", kAllRoles, false, false,
       RPC(tenancy, GetCallerIdentity, GetCallerIdentityRequest, v1::CallerIdentity, (void)t)},
      {"CreateTenant",
       {"PLATFORM_ADMIN", "PARTNER_SUPER_ADMIN"},
       false,
       true,
       RPC(tenancy, CreateTenant, CreateTenantRequest, v1::Tenant,
           (req.mutable_tenant()->set_parent_tenant(t),
            req.mutable_tenant()->set_kind(v1::TENANT_KIND_TENANT),
            req.mutable_tenant()->set_display_name("Matrix tenant")))},
      {"GetTenant", tenancy_reads, false, true,
       RPC(tenancy, GetTenant, GetTenantRequest, v1::Tenant, req.set_name(t))},
      {"ListTenants", tenancy_reads, false, false,
       RPC(tenancy, ListTenants, ListTenantsRequest, v1::ListTenantsResponse, (void)t)},
      {"InstallLicense",
       {"PLATFORM_ADMIN"},
       false,
       true,
       RPC(tenancy, InstallLicense, InstallLicenseRequest, v1::License,
           (req.set_parent(t), req.set_license_key("not-a-key")))},
      {"ListLicenses", tenancy_reads, false, true,
       RPC(tenancy, ListLicenses, ListLicensesRequest, v1::ListLicensesResponse,
           req.set_parent(t))},
      // ActivityService: "read activities: who may read the resource the activity is about":
      // whoever reaches the tenant reads its feed, which is narrowed to what the caller may
      // read (licences and child tenants need no licence).
      {"CreateSubscription", subscribers, false, true,
       RPC(automation, CreateSubscription, CreateSubscriptionRequest, v1::Subscription,
           req.set_parent(t)),
       analysts},
      {"GetSubscription", subscribers, false, true,
       RPC(automation, GetSubscription, GetSubscriptionRequest, v1::Subscription,
           req.set_name(Child(t, "subscriptions"))),
       analysts},
      {"ListSubscriptions", subscribers, false, true,
       RPC(automation, ListSubscriptions, ListSubscriptionsRequest, v1::ListSubscriptionsResponse,
           req.set_parent(t)),
       analysts},
      {"UpdateSubscription", subscribers, false, true,
       RPC(automation, UpdateSubscription, UpdateSubscriptionRequest, v1::Subscription,
           req.mutable_subscription()->set_name(Child(t, "subscriptions"))),
       analysts},
      {"DeleteSubscription", subscribers, false, true,
       RPC(automation, DeleteSubscription, DeleteSubscriptionRequest, google::protobuf::Empty,
           req.set_name(Child(t, "subscriptions"))),
       analysts},
      {"ListDeliveries", subscribers, false, true,
       RPC(automation, ListDeliveries, ListDeliveriesRequest, v1::ListDeliveriesResponse,
           req.set_parent(Child(t, "subscriptions"))),
       analysts},
      {"ListActivities", tenancy_reads, false, true,
       RPC(activities, ListActivities, ListActivitiesRequest, v1::ListActivitiesResponse,
           req.set_parent(t))},
      {"StreamActivities", tenancy_reads, false, true,
       [](Stubs& s, grpc::ClientContext* c, const std::string& t) {
         v1::StreamActivitiesRequest req;
         req.set_parent(t);
         req.set_start_after("not-an-activity");  // refused once authorized: no waiting
         c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
         auto reader = s.activities->StreamActivities(c, req);
         v1::Activity a;
         if (reader->Read(&a)) {
           c->TryCancel();
         }
         return reader->Finish();
       }},
  };
}

enum class Relation { kOwn, kChild, kForeign };
const char* RelationName(Relation r) {
  return r == Relation::kOwn ? "own" : r == Relation::kChild ? "child" : "foreign";
}

enum class RoleKind { kTenant, kPartner, kEnterprise, kProvider };
RoleKind KindOf(const std::string& role) {
  if (role.rfind("TENANT_", 0) == 0 || role == "DETECTION_INGESTER") {
    return RoleKind::kTenant;
  }
  if (role.rfind("PARTNER_", 0) == 0) {
    return RoleKind::kPartner;
  }
  if (role.rfind("ENTERPRISE_", 0) == 0) {
    return RoleKind::kEnterprise;
  }
  return RoleKind::kProvider;
}

// "Reach: a TENANT principal reaches its own tenant; PARTNER and ORGANIZATION principals
// reach their child tenants; PROVIDER principals reach tenants holding the matching licence;
// PLATFORM_ADMIN reaches every tenant."
bool Reaches(const std::string& role, Relation relation, Licence licence) {
  switch (KindOf(role)) {
    case RoleKind::kTenant:
      return relation == Relation::kOwn;
    case RoleKind::kPartner:
    case RoleKind::kEnterprise:
      return relation != Relation::kForeign;
    case RoleKind::kProvider:
      return role == "PLATFORM_ADMIN" || relation == Relation::kOwn || licence != Licence::kAbsent;
  }
  return false;
}

// "" means allowed by tenancy; otherwise the PERMISSION_DENIED reason.
std::string Expected(const RpcSpec& spec, const std::string& role, Relation relation,
                     Licence licence) {
  if (spec.has_target && !Reaches(role, relation, licence)) {
    return "TENANT_NOT_REACHABLE";
  }
  if (spec.roles.count(role) == 0 ||
      (spec.home_only.count(role) != 0 && relation != Relation::kOwn)) {
    return "ROLE_REQUIRED";
  }
  if (spec.needs_licence && licence == Licence::kAbsent) {
    return "LICENSE_REQUIRED";
  }
  if (spec.needs_licence && licence == Licence::kExpired) {
    return "LICENSE_EXPIRED";
  }
  return "";
}

// ---- The matrix --------------------------------------------------------------------------------

class PermissionMatrixTest : public ::testing::Test {
 protected:
  // The caller's home tenant and the target tenant of one cell; false when the cell
  // does not exist (a provider's own tenant holds no licences).
  bool Cell(const std::string& role, Relation relation, Licence licence, std::string* home,
            std::string* target) {
    switch (KindOf(role)) {
      case RoleKind::kTenant:
        *home = relation == Relation::kOwn ? world_.customer[licence]
                                           : world_.customer[Licence::kPresent];
        *target = relation == Relation::kOwn     ? world_.customer[licence]
                  : relation == Relation::kChild ? world_.org_customer[licence]
                                                 : world_.foreign_customer[licence];
        return true;
      case RoleKind::kPartner:
        *home = relation == Relation::kOwn ? world_.partner[licence] : world_.main_partner;
        *target = relation == Relation::kOwn     ? world_.partner[licence]
                  : relation == Relation::kChild ? world_.customer[licence]
                                                 : world_.foreign_customer[licence];
        return true;
      case RoleKind::kEnterprise:
        *home = relation == Relation::kOwn ? world_.org[licence] : world_.main_org;
        *target = relation == Relation::kOwn     ? world_.org[licence]
                  : relation == Relation::kChild ? world_.org_customer[licence]
                                                 : world_.foreign_customer[licence];
        return true;
      case RoleKind::kProvider:
        *home = world_.provider;
        if (relation == Relation::kOwn) {
          *target = world_.provider;
          return licence == Licence::kAbsent;
        }
        *target = relation == Relation::kChild ? world_.customer[licence]
                                               : world_.foreign_customer[licence];
        return true;
    }
    return false;
  }

  World world_;
};

TEST_F(PermissionMatrixTest, EveryRpcRoleLicenceAndTenantGetsTheDocumentedOutcome) {
  ASSERT_TRUE(world_.ok());
  int cells = 0;
  int failures = 0;
  std::map<std::string, std::string> tokens;
  for (const RpcSpec& spec : Specs()) {
    for (const std::string& role : kAllRoles) {
      for (Relation relation : {Relation::kOwn, Relation::kChild, Relation::kForeign}) {
        for (Licence licence : kAllLicences) {
          std::string home, target;
          if (!Cell(role, relation, licence, &home, &target)) {
            continue;
          }
          std::string& token = tokens[role + "@" + home];
          if (token.empty()) {
            token = world_.Token(role, home);
          }
          auto context = World::Context(token);
          const grpc::Status status = spec.call(world_.stubs(), context.get(), target);
          const std::string expected = Expected(spec, role, relation, licence);
          const std::string reason = GrpcReason(status);
          const bool denied = status.error_code() == grpc::StatusCode::PERMISSION_DENIED ||
                              status.error_code() == grpc::StatusCode::UNAUTHENTICATED;
          const bool ok = expected.empty()
                              ? !denied
                              : status.error_code() == grpc::StatusCode::PERMISSION_DENIED &&
                                    reason == expected;
          ++cells;
          if (!ok && ++failures <= 40) {
            ADD_FAILURE() << spec.name << " as " << role << " on " << RelationName(relation)
                          << " tenant, licence " << LicenceName(licence) << ": expected "
                          << (expected.empty() ? "allowed" : expected) << ", got code "
                          << status.error_code() << " reason '" << reason << "' ("
                          << status.error_message() << ")";
          }
        }
      }
    }
  }
  EXPECT_EQ(failures, 0) << "of " << cells << " cells";
  EXPECT_GT(cells, 3000);
}

TEST_F(PermissionMatrixTest, NoTokenIsUnauthenticated) {
  ASSERT_TRUE(world_.ok());
  grpc::ClientContext context;
  v1::ListCasesRequest request;
  request.set_parent(world_.customer[Licence::kPresent]);
  v1::ListCasesResponse response;
  EXPECT_THAT(world_.stubs().cases->ListCases(&context, request, &response),
              StatusIs(grpc::StatusCode::UNAUTHENTICATED, "TOKEN_MISSING"));
}

TEST_F(PermissionMatrixTest, TokenFromAnotherIssuerKeyIsUnauthenticated) {
  ASSERT_TRUE(world_.ok());
  World other;  // its own keys
  ASSERT_TRUE(other.ok());
  const std::string forged = other.Token("PLATFORM_ADMIN", world_.provider);
  v1::CallerIdentity identity;
  EXPECT_THAT(
      world_.stubs().tenancy->GetCallerIdentity(World::Context(forged).get(), {}, &identity),
      StatusIs(grpc::StatusCode::UNAUTHENTICATED, "TOKEN_INVALID"));
}

TEST_F(PermissionMatrixTest, TokenOfUnknownTenantIsUnauthenticated) {
  ASSERT_TRUE(world_.ok());
  v1::CallerIdentity identity;
  EXPECT_THAT(world_.stubs().tenancy->GetCallerIdentity(
                  World::Context(world_.Token("TENANT_ADMIN", "tenants/" + NewIdText())).get(), {},
                  &identity),
              StatusIs(grpc::StatusCode::UNAUTHENTICATED, "UNKNOWN_TENANT"));
}

TEST_F(PermissionMatrixTest, MissingLicenceNamesProductAndTenant) {
  ASSERT_TRUE(world_.ok());
  const std::string tenant = world_.customer[Licence::kAbsent];
  v1::ListAlertsRequest request;
  request.set_parent(tenant);
  v1::ListAlertsResponse response;
  grpc::Status status = world_.stubs().detections->ListAlerts(
      World::Context(world_.Token("TENANT_ADMIN", tenant)).get(), request, &response);
  ASSERT_THAT(status, StatusIs(grpc::StatusCode::PERMISSION_DENIED, "LICENSE_REQUIRED"));
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.domain(), "cases.soc");
  EXPECT_EQ(info.metadata().at("product"), "PRODUCT_XDR");
  EXPECT_EQ(info.metadata().at("tenant"), tenant);
}

TEST_F(PermissionMatrixTest, UnreachableAndNonexistentTenantsLookTheSame) {
  ASSERT_TRUE(world_.ok());
  const std::string token = world_.Token("PARTNER_ADMIN", world_.main_partner);
  for (const std::string& target :
       {world_.foreign_customer[Licence::kPresent], "tenants/" + NewIdText()}) {
    v1::GetCaseRequest request;
    request.set_name(Child(target, "cases"));
    v1::Case response;
    EXPECT_THAT(world_.stubs().cases->GetCase(World::Context(token).get(), request, &response),
                StatusIs(grpc::StatusCode::PERMISSION_DENIED, "TENANT_NOT_REACHABLE"));
  }
}

TEST_F(PermissionMatrixTest, CallerIdentityListsWhatEachKindReaches) {
  ASSERT_TRUE(world_.ok());
  auto reach = [&](const std::string& role, const std::string& home) {
    v1::CallerIdentity identity;
    EXPECT_TRUE(
        world_.stubs()
            .tenancy
            ->GetCallerIdentity(World::Context(world_.Token(role, home)).get(), {}, &identity)
            .ok());
    return std::set<std::string>(identity.reachable_tenants().begin(),
                                 identity.reachable_tenants().end());
  };
  EXPECT_EQ(reach("TENANT_ADMIN", world_.customer[Licence::kPresent]),
            std::set<std::string>({world_.customer[Licence::kPresent]}));
  const auto partner = reach("PARTNER_ADMIN", world_.main_partner);
  EXPECT_EQ(partner.size(), 4u);  // itself and its three customers
  EXPECT_EQ(partner.count(world_.customer[Licence::kAbsent]), 1u);
  EXPECT_EQ(partner.count(world_.foreign_customer[Licence::kPresent]), 0u);
  const auto mdr = reach("MDR_ANALYST", world_.provider);
  EXPECT_EQ(mdr.count(world_.customer[Licence::kPresent]), 1u);
  EXPECT_EQ(mdr.count(world_.customer[Licence::kAbsent]), 0u);
  EXPECT_EQ(mdr.count(world_.foreign_customer[Licence::kExpired]), 1u);
}

TEST_F(PermissionMatrixTest, RolesThatDoNotFitTheHomeTenantGrantNothing) {
  ASSERT_TRUE(world_.ok());
  // A token claiming PLATFORM_ADMIN for a customer tenant must not reach other tenants.
  const std::string token = world_.Token("PLATFORM_ADMIN", world_.customer[Licence::kPresent]);
  v1::GetTenantRequest request;
  request.set_name(world_.foreign_customer[Licence::kPresent]);
  v1::Tenant tenant;
  EXPECT_THAT(world_.stubs().tenancy->GetTenant(World::Context(token).get(), request, &tenant),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "TENANT_NOT_REACHABLE"));
  v1::CallerIdentity identity;
  ASSERT_TRUE(
      world_.stubs().tenancy->GetCallerIdentity(World::Context(token).get(), {}, &identity).ok());
  EXPECT_EQ(identity.roles_size(), 0);
}

}  // namespace
}  // namespace cases::testing
