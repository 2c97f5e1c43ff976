#include "server/tenancy_service.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "common/digest.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/names.h"
#include "common/page_token.h"
#include "common/validation.h"
#include "server/proto_time.h"
#include "server/rpc.h"
#include "sql/db_time.h"
#include "tenancy/license_key.h"

namespace cases::server {
namespace {

namespace v1 = ::soc::cases::v1;
using tenancy::CallContext;

void ToProto(const sql::TenantRow& row, v1::Tenant* out) {
  out->set_name(TenantName(row.id));
  out->set_display_name(row.display_name);
  out->set_kind(static_cast<v1::TenantKind>(row.kind));
  if (!row.parent_id.empty()) {
    out->set_parent_tenant(TenantName(row.parent_id));
  }
  SetTimestamp(row.create_time, out->mutable_create_time());
}

void ToProto(const sql::LicenseRow& row, v1::License* out) {
  out->set_name(TenantName(row.tenant_id) + "/licenses/" + row.license_id);
  out->set_license_id(row.license_id);
  out->set_product(static_cast<v1::Product>(row.product));
  SetTimestamp(row.start_time, out->mutable_start_time());
  SetTimestamp(row.expire_time, out->mutable_expire_time());
  SetTimestamp(row.install_time, out->mutable_install_time());
}

// Which kinds may sit under which: partners and organizations under the provider,
// customer tenants under a partner, an organization or the provider (direct customers).
bool MayParent(int parent_kind, int child_kind) {
  switch (child_kind) {
    case v1::TENANT_KIND_PARTNER:
    case v1::TENANT_KIND_ORGANIZATION:
      return parent_kind == v1::TENANT_KIND_PROVIDER;
    case v1::TENANT_KIND_TENANT:
      return parent_kind == v1::TENANT_KIND_PARTNER || parent_kind == v1::TENANT_KIND_ORGANIZATION ||
             parent_kind == v1::TENANT_KIND_PROVIDER;
    default:
      return false;
  }
}

// One page of `ids` (sorted) after the token's key.
template <typename T, typename Fill>
absl::Status Page(const std::vector<T>& sorted, const std::string& (*key_of)(const T&), int page_size,
                  const std::string& token, const std::string& fingerprint, Fill fill,
                  std::string* next_token) {
  auto key = DecodePageToken(token, fingerprint);
  if (!key.ok()) {
    return key.status();
  }
  auto it = sorted.begin();
  if (!key->empty()) {
    it = std::upper_bound(sorted.begin(), sorted.end(), key->front(),
                          [&](const std::string& k, const T& item) { return k < key_of(item); });
  }
  int n = 0;
  for (; it != sorted.end() && n < page_size; ++it, ++n) {
    fill(*it);
  }
  if (it != sorted.end() && n > 0) {
    *next_token = EncodePageToken(fingerprint, {key_of(*(it - 1))});
  }
  return absl::OkStatus();
}

const std::string& IdentityKey(const std::string& id) { return id; }
const std::string& LicenseKey(const sql::LicenseRow& row) { return row.license_id; }

}  // namespace

grpc::Status TenancyServiceImpl::GetCallerIdentity(grpc::ServerContext* context,
                                                   const v1::GetCallerIdentityRequest* request,
                                                   v1::CallerIdentity* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) {
    response->set_subject(call.principal.subject);
    response->set_home_tenant(TenantName(call.principal.home_tenant_id));
    response->set_home_kind(call.principal.home_kind);
    for (tenancy::Role role : call.principal.roles) {
      response->add_roles(role);
    }
    for (const std::string& id : tenancy::ReachableTenants(call.principal, *call.snapshot)) {
      response->add_reachable_tenants(TenantName(id));
    }
    return absl::OkStatus();
  });
}

grpc::Status TenancyServiceImpl::CreateTenant(grpc::ServerContext* context,
                                              const v1::CreateTenantRequest* request,
                                              v1::Tenant* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    const v1::Tenant& tenant = request->tenant();
    Violations v;
    CheckDisplayName(v, "tenant.display_name", tenant.display_name());
    if (tenant.kind() == v1::TENANT_KIND_UNSPECIFIED || tenant.kind() == v1::TENANT_KIND_PROVIDER ||
        !v1::TenantKind_IsValid(tenant.kind())) {
      v.Add("tenant.kind", "must be TENANT_KIND_TENANT, TENANT_KIND_PARTNER or TENANT_KIND_ORGANIZATION");
    }
    if (tenant.parent_tenant() != TenantName(call.tenant_id)) {
      v.Add("tenant.parent_tenant", "must be tenants/{tenant}");
    }
    CheckRequestId(v, "request_id", request->request_id());
    if (!v.empty()) {
      return v.ToStatus();
    }
    const sql::TenantRow* parent = call.snapshot->Find(call.tenant_id);
    if (parent == nullptr) {
      return absl::NotFoundError("parent tenant not found");
    }
    if (!MayParent(parent->kind, tenant.kind())) {
      return InvalidField("tenant.parent_tenant",
                         "partners and organizations sit under the provider; tenants under a "
                         "partner, an organization or the provider");
    }
    sql::TenantRow row;
    row.id = NewIdBytes();
    row.parent_id = parent->id;
    row.kind = tenant.kind();
    row.display_name = tenant.display_name();
    row.create_time = sql::DbNow();
    auto created = store_->Create(row, IdempotencyKeyFor(parent->id, "CreateTenant", *request, request->request_id()));
    if (!created.ok()) {
      return created.status();
    }
    directory_->Invalidate();
    ToProto(*created, response);
    return absl::OkStatus();
  });
}

grpc::Status TenancyServiceImpl::GetTenant(grpc::ServerContext* context, const v1::GetTenantRequest* request,
                                           v1::Tenant* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    if (request->name() != TenantName(call.tenant_id)) {
      return InvalidField("name", "must be tenants/{tenant}");
    }
    const sql::TenantRow* row = call.snapshot->Find(call.tenant_id);
    if (row == nullptr) {
      // Only a caller who reaches every tenant gets this far for an unknown one.
      auto fresh = store_->Get(call.tenant_id);
      if (!fresh.ok()) {
        return fresh.status();
      }
      if (!fresh->has_value()) {
        return absl::NotFoundError("tenant not found");
      }
      ToProto(**fresh, response);
      return absl::OkStatus();
    }
    ToProto(*row, response);
    return absl::OkStatus();
  });
}

grpc::Status TenancyServiceImpl::ListTenants(grpc::ServerContext* context,
                                             const v1::ListTenantsRequest* request,
                                             v1::ListTenantsResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    Violations v;
    const int page_size = CheckPageSize(v, "page_size", request->page_size());
    if (!request->filter().empty()) {
      v.Add("filter", "ListTenants takes no filter");
    }
    if (!v.empty()) {
      return v.ToStatus();
    }
    const std::vector<std::string> ids = tenancy::ReachableTenants(call.principal, *call.snapshot);
    const std::string fingerprint = QueryFingerprint({"ListTenants", request->filter()});
    return Page<std::string>(
        ids, &IdentityKey, page_size, request->page_token(), fingerprint,
        [&](const std::string& id) {
          if (const sql::TenantRow* row = call.snapshot->Find(id)) {
            ToProto(*row, response->add_tenants());
          }
        },
        response->mutable_next_page_token());
  });
}

grpc::Status TenancyServiceImpl::InstallLicense(grpc::ServerContext* context,
                                                const v1::InstallLicenseRequest* request,
                                                v1::License* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    if (request->parent() != TenantName(call.tenant_id)) {
      return InvalidField("parent", "must be tenants/{tenant}");
    }
    if (!license_authority_.has_value()) {
      return ErrorWithReason(absl::StatusCode::kFailedPrecondition, "LICENSE_AUTHORITY_NOT_CONFIGURED",
                             "the server has no licence authority key (--license_authority_key)");
    }
    const sql::TenantRow* tenant = call.snapshot->Find(call.tenant_id);
    if (tenant == nullptr) {
      return absl::NotFoundError("tenant not found");
    }
    if (tenant->kind == v1::TENANT_KIND_PROVIDER) {
      return ErrorWithReason(absl::StatusCode::kFailedPrecondition, "PROVIDER_NOT_LICENSABLE",
                             "licences are installed on customer, partner or organization tenants");
    }
    auto row = tenancy::VerifyLicenseKey(request->license_key(), *license_authority_, call.tenant_id,
                                         call.now);
    if (!row.ok()) {
      return row.status();
    }
    if (absl::Status s = store_->InstallLicense(*row); !s.ok()) {
      return s;
    }
    directory_->Invalidate();
    ToProto(*row, response);
    return absl::OkStatus();
  });
}

grpc::Status TenancyServiceImpl::ListLicenses(grpc::ServerContext* context,
                                              const v1::ListLicensesRequest* request,
                                              v1::ListLicensesResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    Violations v;
    const int page_size = CheckPageSize(v, "page_size", request->page_size());
    if (request->parent() != TenantName(call.tenant_id)) {
      v.Add("parent", "must be tenants/{tenant}");
    }
    if (!v.empty()) {
      return v.ToStatus();
    }
    const std::vector<sql::LicenseRow>& licenses = call.snapshot->Licenses(call.tenant_id);
    const std::string fingerprint = QueryFingerprint({"ListLicenses", request->parent()});
    return Page<sql::LicenseRow>(
        licenses, &LicenseKey, page_size, request->page_token(), fingerprint,
        [&](const sql::LicenseRow& row) { ToProto(row, response->add_licenses()); },
        response->mutable_next_page_token());
  });
}

}  // namespace cases::server
