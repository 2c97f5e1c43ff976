// TenancyService: who the caller is; the gRPC adapter of domain::TenancyAdmin
// (tenants and licences).
#ifndef CASES_SERVER_TENANCY_SERVICE_H_
#define CASES_SERVER_TENANCY_SERVICE_H_

#include "domain/tenancy_admin.h"
#include "server/rpc.h"
#include "soc/cases/v1/tenancy_service.grpc.pb.h"

namespace cases::server {

// GetCallerIdentity reads nothing but the token and the tenant directory in
// memory, so it is answered on gRPC's callback thread (ServeWithoutBlocking); the
// other methods touch the database and run on the synchronous server's threads.
class TenancyServiceImpl final
    : public soc::cases::v1::TenancyService::WithCallbackMethod_GetCallerIdentity<
          soc::cases::v1::TenancyService::Service> {
 public:
  TenancyServiceImpl(const Edge* edge, const domain::TenancyAdmin* admin)
      : edge_(edge), admin_(admin) {}

  grpc::ServerUnaryReactor* GetCallerIdentity(
      grpc::CallbackServerContext* context, const soc::cases::v1::GetCallerIdentityRequest* request,
      soc::cases::v1::CallerIdentity* response) override;
  grpc::Status CreateTenant(grpc::ServerContext* context,
                            const soc::cases::v1::CreateTenantRequest* request,
                            soc::cases::v1::Tenant* response) override;
  grpc::Status GetTenant(grpc::ServerContext* context,
                         const soc::cases::v1::GetTenantRequest* request,
                         soc::cases::v1::Tenant* response) override;
  grpc::Status ListTenants(grpc::ServerContext* context,
                           const soc::cases::v1::ListTenantsRequest* request,
                           soc::cases::v1::ListTenantsResponse* response) override;
  grpc::Status InstallLicense(grpc::ServerContext* context,
                              const soc::cases::v1::InstallLicenseRequest* request,
                              soc::cases::v1::License* response) override;
  grpc::Status ListLicenses(grpc::ServerContext* context,
                            const soc::cases::v1::ListLicensesRequest* request,
                            soc::cases::v1::ListLicensesResponse* response) override;

 private:
  const Edge* edge_;
  const domain::TenancyAdmin* admin_;
};

}  // namespace cases::server

#endif  // CASES_SERVER_TENANCY_SERVICE_H_
