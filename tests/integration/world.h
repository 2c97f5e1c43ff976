// A small multi-tenant world on a real casesd: the provider, partners,
// organizations and customer tenants with licences present, absent or expired,
// dev keys, and tokens for any role at any home tenant. Built through the API
// (CreateTenant, InstallLicense) as a platform admin would, except expired
// licences, which the API rightly refuses to install and are written directly.
#ifndef CASES_TESTS_INTEGRATION_WORLD_H_
#define CASES_TESTS_INTEGRATION_WORLD_H_

#include <map>
#include <memory>
#include <string>

#include "soc/cases/v1/activity_service.grpc.pb.h"
#include "soc/cases/v1/automation_service.grpc.pb.h"
#include "soc/cases/v1/case_service.grpc.pb.h"
#include "soc/cases/v1/detection_service.grpc.pb.h"
#include "soc/cases/v1/service_request_service.grpc.pb.h"
#include "soc/cases/v1/tenancy_service.grpc.pb.h"
#include "tests/integration/testing.h"

namespace cases::testing {

namespace v1 = ::soc::cases::v1;

enum class Licence { kPresent, kAbsent, kExpired };
inline constexpr Licence kAllLicences[] = {Licence::kPresent, Licence::kAbsent, Licence::kExpired};
const char* LicenceName(Licence l);

struct Stubs {
  explicit Stubs(const std::shared_ptr<grpc::Channel>& channel);
  std::unique_ptr<v1::CaseService::Stub> cases;
  std::unique_ptr<v1::DetectionService::Stub> detections;
  std::unique_ptr<v1::ServiceRequestService::Stub> requests;
  std::unique_ptr<v1::TenancyService::Stub> tenancy;
  std::unique_ptr<v1::AutomationService::Stub> automation;
  std::unique_ptr<v1::ActivityService::Stub> activities;
};

class World {
 public:
  // Starts casesd on a fresh database with `extra_flags` (on `server` when given,
  // else on the suite's test server).
  explicit World(std::vector<std::string> extra_flags = {}, const sql::DbConfig* server = nullptr);

  bool ok() const { return ok_; }
  CasesdProcess& casesd() { return *casesd_; }
  TestDatabase& db() { return db_; }
  Stubs& stubs() { return *stubs_; }
  const std::string& keys_dir() const { return keys_dir_; }

  // Tenant names ("tenants/<id>").
  std::string provider;
  std::map<Licence, std::string> partner;       // partners holding licence L
  std::map<Licence, std::string> org;           // organizations holding licence L
  std::map<Licence, std::string> customer;      // customer tenants under `main_partner`, licence L
  std::map<Licence, std::string> org_customer;  // customer tenants under `main_org`
  std::map<Licence, std::string> foreign_customer;  // customer tenants under `foreign_partner`
  std::string main_partner, main_org, foreign_partner;

  // A bearer token for `role` (Role enum name without ROLE_) at `home`.
  std::string Token(const std::string& role, const std::string& home,
                    const std::string& sub = "tester");
  // A client context carrying `token` and a 10 s deadline.
  static std::unique_ptr<grpc::ClientContext> Context(const std::string& token);

  // Another casesd on the same database and keys (a second replica).
  std::unique_ptr<CasesdProcess> StartReplica(std::vector<std::string> extra_flags = {});

  // Creates a tenant through the API; returns its name (empty on failure).
  std::string CreateTenant(const std::string& parent, v1::TenantKind kind,
                           const std::string& display_name);
  // Installs XDR, MDR and Managed Risk licences as `l` says.
  void License(const std::string& tenant, Licence l);
  // Installs one valid licence for `product` (e.g. "PRODUCT_MDR").
  void InstallLicense(const std::string& tenant, const std::string& product);

 private:
  std::unique_ptr<TestDatabase> db_holder_;
  TestDatabase& db_;
  std::string keys_dir_;
  std::unique_ptr<CasesdProcess> casesd_;
  std::unique_ptr<Stubs> stubs_;
  std::vector<std::string> flags_;
  std::string admin_token_;
  bool ok_ = false;
};

}  // namespace cases::testing

#endif  // CASES_TESTS_INTEGRATION_WORLD_H_
