#include "server/tenancy_service.h"

#include "common/errors.h"
#include "common/names.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "server/mapping.h"
#include "sql/resource_protos.h"

namespace cases::server {
namespace {

namespace v1 = ::soc::cases::v1;
using tenancy::CallContext;

void ToProto(const sql::TenantRow& row, v1::Tenant* out) { sql::TenantRowToProto(row, out); }

void ToProto(const sql::LicenseRow& row, v1::License* out) { sql::LicenseRowToProto(row, out); }

absl::StatusOr<sql::TenantRow> TenantOf(const v1::CreateTenantRequest& request) {
  const v1::Tenant& tenant = request.tenant();
  Violations v;
  CheckDisplayName(v, "tenant.display_name", tenant.display_name());
  if (tenant.kind() == v1::TENANT_KIND_UNSPECIFIED || tenant.kind() == v1::TENANT_KIND_PROVIDER ||
      !v1::TenantKind_IsValid(tenant.kind())) {
    v.Add("tenant.kind",
          "must be TENANT_KIND_TENANT, TENANT_KIND_PARTNER or TENANT_KIND_ORGANIZATION");
  }
  CheckRequestId(v, "request_id", request.request_id());
  RETURN_IF_ERROR(v.ToStatus());
  sql::TenantRow row;
  row.kind = tenant.kind();
  row.display_name = tenant.display_name();
  return row;
}

absl::StatusOr<domain::PageRequest> TenantPageOf(const v1::ListTenantsRequest& request) {
  Violations v;
  domain::PageRequest page{"", CheckPageSize(v, "page_size", request.page_size()),
                           request.page_token()};
  RETURN_IF_ERROR(v.ToStatus());
  return page;
}

}  // namespace

grpc::ServerUnaryReactor* TenancyServiceImpl::GetCallerIdentity(
    grpc::CallbackServerContext* context, const v1::GetCallerIdentityRequest* request,
    v1::CallerIdentity* response) {
  return ServeWithoutBlocking(*edge_, context, *request, [response](const CallContext& call) {
    response->set_subject(call.principal.subject);
    response->set_home_tenant(TenantName(call.principal.home_tenant_id));
    response->set_home_kind(call.principal.home_kind);
    for (tenancy::Role role : call.principal.roles) {
      response->add_roles(role);
    }
    for (const std::string& id : tenancy::ReachableTenants(call.principal, *call.snapshot)) {
      response->add_reachable_tenants(TenantName(id));
    }
    for (const std::string& role : call.principal.ignored_roles) {
      response->add_ignored_roles(role);
    }
    return absl::OkStatus();
  });
}

grpc::Status TenancyServiceImpl::CreateTenant(grpc::ServerContext* context,
                                              const v1::CreateTenantRequest* request,
                                              v1::Tenant* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(sql::TenantRow fields, TenantOf(*request));
    ASSIGN_OR_RETURN(sql::TenantRow row,
                     admin_->CreateTenant(call, std::move(fields),
                                          IdempotencyKeyFor(call.tenant_id, "CreateTenant",
                                                            *request, request->request_id())));
    ToProto(row, response);
    return absl::OkStatus();
  });
}

grpc::Status TenancyServiceImpl::GetTenant(grpc::ServerContext* context,
                                           const v1::GetTenantRequest* request,
                                           v1::Tenant* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(sql::TenantRow row, admin_->GetTenant(call));
    ToProto(row, response);
    return absl::OkStatus();
  });
}

grpc::Status TenancyServiceImpl::ListTenants(grpc::ServerContext* context,
                                             const v1::ListTenantsRequest* request,
                                             v1::ListTenantsResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(domain::PageRequest page_request, TenantPageOf(*request));
    ASSIGN_OR_RETURN(domain::Page<sql::TenantRow> page,
                     admin_->ListTenants(call, page_request, request->filter()));
    for (const auto& row : page.rows) {
      ToProto(row, response->add_tenants());
    }
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status TenancyServiceImpl::InstallLicense(grpc::ServerContext* context,
                                                const v1::InstallLicenseRequest* request,
                                                v1::License* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(sql::LicenseRow row, admin_->InstallLicense(call, request->license_key()));
    ToProto(row, response);
    return absl::OkStatus();
  });
}

grpc::Status TenancyServiceImpl::ListLicenses(grpc::ServerContext* context,
                                              const v1::ListLicensesRequest* request,
                                              v1::ListLicensesResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(domain::PageRequest page_request, PageRequestFor(*request));
    ASSIGN_OR_RETURN(domain::Page<sql::LicenseRow> page, admin_->ListLicenses(call, page_request));
    for (const auto& row : page.rows) {
      ToProto(row, response->add_licenses());
    }
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

}  // namespace cases::server
