// TenancyService: who the caller is, tenants and licences.
#ifndef CASES_SERVER_TENANCY_SERVICE_H_
#define CASES_SERVER_TENANCY_SERVICE_H_

#include <optional>

#include "soc/cases/v1/tenancy_service.grpc.pb.h"
#include "sql/tenant_store.h"
#include "tenancy/directory.h"
#include "server/rpc.h"
#include "tenancy/guard.h"
#include "tenancy/jws.h"

namespace cases::server {

class TenancyServiceImpl final : public soc::cases::v1::TenancyService::Service {
 public:
  // `license_authority` unset: InstallLicense answers FAILED_PRECONDITION.
  TenancyServiceImpl(const Edge* edge, tenancy::TenantDirectory* directory,
                     sql::TenantStore* store, std::optional<tenancy::VerificationKey> license_authority)
      : edge_(edge), directory_(directory), store_(store), license_authority_(std::move(license_authority)) {}

  grpc::Status GetCallerIdentity(grpc::ServerContext* context,
                                 const soc::cases::v1::GetCallerIdentityRequest* request,
                                 soc::cases::v1::CallerIdentity* response) override;
  grpc::Status CreateTenant(grpc::ServerContext* context, const soc::cases::v1::CreateTenantRequest* request,
                            soc::cases::v1::Tenant* response) override;
  grpc::Status GetTenant(grpc::ServerContext* context, const soc::cases::v1::GetTenantRequest* request,
                         soc::cases::v1::Tenant* response) override;
  grpc::Status ListTenants(grpc::ServerContext* context, const soc::cases::v1::ListTenantsRequest* request,
                           soc::cases::v1::ListTenantsResponse* response) override;
  grpc::Status InstallLicense(grpc::ServerContext* context,
                              const soc::cases::v1::InstallLicenseRequest* request,
                              soc::cases::v1::License* response) override;
  grpc::Status ListLicenses(grpc::ServerContext* context, const soc::cases::v1::ListLicensesRequest* request,
                            soc::cases::v1::ListLicensesResponse* response) override;

 private:
  const Edge* edge_;
  tenancy::TenantDirectory* directory_;
  sql::TenantStore* store_;
  const std::optional<tenancy::VerificationKey> license_authority_;
};

}  // namespace cases::server

#endif  // CASES_SERVER_TENANCY_SERVICE_H_
