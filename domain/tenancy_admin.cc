#include "domain/tenancy_admin.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/names.h"
#include "common/page_token.h"
#include "common/status_macros.h"
#include "sql/db_time.h"
#include "sql/list_query.h"
#include "tenancy/license_key.h"

namespace cases::domain {
namespace {

namespace v1 = ::soc::cases::v1;
using tenancy::CallContext;

// One page of `sorted` (by `key_of`) after the token's key.
template <typename T>
absl::StatusOr<Page<T>> PageOfSorted(const std::vector<T>& sorted,
                                     const std::string& (*key_of)(const T&),
                                     const PageRequest& request, const std::string& fingerprint) {
  ASSIGN_OR_RETURN(std::vector<std::string> key, DecodePageToken(request.page_token, fingerprint));
  auto it = sorted.begin();
  if (!key.empty()) {
    it = std::upper_bound(sorted.begin(), sorted.end(), key.front(),
                          [&](const std::string& k, const T& item) { return k < key_of(item); });
  }
  Page<T> page;
  for (; it != sorted.end() && static_cast<int>(page.rows.size()) < request.page_size; ++it) {
    page.rows.push_back(*it);
  }
  if (it != sorted.end() && !page.rows.empty()) {
    page.next_page_token = EncodePageToken(fingerprint, {key_of(page.rows.back())});
  }
  return page;
}

const std::string& TenantKey(const sql::TenantRow& row) { return row.id; }
const std::string& LicenseKey(const sql::LicenseRow& row) { return row.license_id; }

}  // namespace

bool MayParent(int parent_kind, int child_kind) {
  switch (child_kind) {
    case v1::TENANT_KIND_PARTNER:
    case v1::TENANT_KIND_ORGANIZATION:
      return parent_kind == v1::TENANT_KIND_PROVIDER;
    case v1::TENANT_KIND_TENANT:
      return parent_kind == v1::TENANT_KIND_PARTNER ||
             parent_kind == v1::TENANT_KIND_ORGANIZATION || parent_kind == v1::TENANT_KIND_PROVIDER;
    default:
      return false;
  }
}

absl::StatusOr<sql::TenantRow> TenancyAdmin::CreateTenant(
    const CallContext& call, sql::TenantRow fields,
    const std::optional<sql::IdempotencyKey>& key) const {
  const sql::TenantRow* parent = call.snapshot->Find(call.tenant_id);
  if (parent == nullptr) {
    return NotFound("parent tenant", TenantName(call.tenant_id));
  }
  if (!MayParent(parent->kind, fields.kind)) {
    return InvalidField("tenant.parent_tenant",
                        "partners and organizations sit under the provider; tenants under a "
                        "partner, an organization or the provider");
  }
  fields.id = NewIdBytes();
  fields.parent_id = parent->id;
  fields.create_time = sql::DbNow();
  ASSIGN_OR_RETURN(sql::TenantRow created, store_->Create(fields, key, call.principal.subject));
  directory_->Invalidate();
  return created;
}

absl::StatusOr<sql::TenantRow> TenancyAdmin::GetTenant(const CallContext& call) const {
  if (const sql::TenantRow* row = call.snapshot->Find(call.tenant_id)) {
    return *row;
  }
  // Only a caller who reaches every tenant gets this far for an unknown one.
  ASSIGN_OR_RETURN(std::optional<sql::TenantRow> fresh, store_->Get(call.tenant_id));
  if (!fresh.has_value()) {
    return NotFound("tenant", TenantName(call.tenant_id));
  }
  return *std::move(fresh);
}

absl::StatusOr<Page<sql::TenantRow>> TenancyAdmin::ListTenants(const CallContext& call,
                                                               const PageRequest& request,
                                                               const std::string& filter) const {
  static const auto* fields = new std::vector<sql::FilterField>{
      {"kind", "kind", sql::FieldType::kEnum, v1::TenantKind_descriptor()},
      {"parent_tenant", "parent_id", sql::FieldType::kResource, nullptr, "", true},
      {"display_name", "display_name", sql::FieldType::kString, nullptr, "", false, true}};
  ASSIGN_OR_RETURN(sql::RowFilter selected, sql::RowFilter::Compile(*fields, filter));
  std::vector<sql::TenantRow> rows;
  for (const std::string& id : tenancy::ReachableTenants(call.principal, *call.snapshot)) {
    const sql::TenantRow* row = call.snapshot->Find(id);
    if (row == nullptr) {
      continue;
    }
    const bool match = selected.Matches([row](const sql::FilterField& f) -> sql::FieldValue {
      if (f.name == "kind") {
        return int64_t{row->kind};
      }
      return f.name == "parent_tenant" ? row->parent_id : row->display_name;
    });
    if (match) {
      rows.push_back(*row);
    }
  }
  return PageOfSorted<sql::TenantRow>(rows, &TenantKey, request,
                                      QueryFingerprint({"ListTenants", "", filter}));
}

absl::StatusOr<sql::LicenseRow> TenancyAdmin::InstallLicense(const CallContext& call,
                                                             const std::string& license_key) const {
  if (!license_authority_.has_value()) {
    return ErrorWithReason(absl::StatusCode::kFailedPrecondition,
                           "LICENSE_AUTHORITY_NOT_CONFIGURED",
                           "the server has no licence authority key (--license_authority_key)");
  }
  const sql::TenantRow* tenant = call.snapshot->Find(call.tenant_id);
  if (tenant == nullptr) {
    return NotFound("tenant", TenantName(call.tenant_id));
  }
  if (tenant->kind == v1::TENANT_KIND_PROVIDER) {
    return ErrorWithReason(absl::StatusCode::kFailedPrecondition, "PROVIDER_NOT_LICENSABLE",
                           "licences are installed on customer, partner or organization tenants");
  }
  ASSIGN_OR_RETURN(sql::LicenseRow row, tenancy::VerifyLicenseKey(license_key, *license_authority_,
                                                                  call.tenant_id, call.now));
  RETURN_IF_ERROR(store_->InstallLicense(row, call.principal.subject));
  directory_->Invalidate();
  return row;
}

absl::StatusOr<Page<sql::LicenseRow>> TenancyAdmin::ListLicenses(const CallContext& call,
                                                                 const PageRequest& request) const {
  return PageOfSorted<sql::LicenseRow>(call.snapshot->Licenses(call.tenant_id), &LicenseKey,
                                       request, QueryFingerprint({"ListLicenses", request.parent}));
}

}  // namespace cases::domain
