// whoami, tenants, licences.
#include <cstdio>

#include "absl/strings/str_join.h"
#include "client/casectl/command.h"

namespace cases::client::cli {
namespace {

const std::vector<std::string> kTenantHeaders = {"NAME", "KIND", "DISPLAY NAME", "PARENT"};
const std::vector<std::string> kLicenseHeaders = {"NAME", "PRODUCT", "START", "EXPIRE"};

std::vector<std::string> TenantRow(const v1::Tenant& t) {
  return {t.name(), Short(v1::TenantKind_descriptor(), t.kind()), t.display_name(),
          t.parent_tenant().empty() ? "-" : t.parent_tenant()};
}

void ShowTenant(const v1::Tenant& t) { PrintTable(kTenantHeaders, {TenantRow(t)}); }

std::vector<std::string> LicenseRow(const v1::License& l) {
  return {l.name(), Short(v1::Product_descriptor(), l.product()), Time(l.start_time()),
          Time(l.expire_time())};
}

void ShowIdentity(const v1::CallerIdentity& id) {
  std::vector<std::string> roles;
  for (int r : id.roles()) {
    roles.push_back(Short(v1::Role_descriptor(), r));
  }
  std::printf("subject:   %s\nhome:      %s (%s)\nroles:     %s\nreaches:   %s\n",
              id.subject().c_str(), id.home_tenant().c_str(),
              Short(v1::TenantKind_descriptor(), id.home_kind()).c_str(),
              absl::StrJoin(roles, ", ").c_str(),
              absl::StrJoin(id.reachable_tenants(), "\n           ").c_str());
  if (!id.ignored_roles().empty()) {
    std::printf("ignored:   %s (grant nothing: unknown, or not for a %s tenant)\n",
                absl::StrJoin(id.ignored_roles(), ", ").c_str(),
                Short(v1::TenantKind_descriptor(), id.home_kind()).c_str());
  }
}

int WhoAmI(Context& c) {
  return c.Unary(c.client->tenancy(), &v1::TenancyService::Stub::GetCallerIdentity,
                 v1::GetCallerIdentityRequest(), &ShowIdentity);
}

int ListTenants(Context& c) {
  v1::ListTenantsRequest request;
  request.set_filter(c.args.Get("filter"));
  return c.List(c.client->tenancy(), &v1::TenancyService::Stub::ListTenants, request,
                &v1::ListTenantsResponse::tenants, kTenantHeaders, &TenantRow);
}

int GetTenant(Context& c) {
  v1::GetTenantRequest request;
  request.set_name(c.args.Word(2, "tenant name"));
  return c.Unary(c.client->tenancy(), &v1::TenancyService::Stub::GetTenant, request, &ShowTenant);
}

int CreateTenant(Context& c) {
  v1::CreateTenantRequest request;
  request.mutable_tenant()->set_parent_tenant(c.args.Required("parent"));
  request.mutable_tenant()->set_kind(
      ParseEnum<v1::TenantKind>(v1::TenantKind_descriptor(), c.args.Required("kind"), "kind"));
  request.mutable_tenant()->set_display_name(c.args.Required("name"));
  request.set_request_id(c.args.Get("request-id"));
  return c.Unary(c.client->tenancy(), &v1::TenancyService::Stub::CreateTenant, request,
                 &ShowTenant);
}

int ListLicenses(Context& c) {
  v1::ListLicensesRequest request;
  request.set_parent(c.args.Required("parent"));
  return c.List(c.client->tenancy(), &v1::TenancyService::Stub::ListLicenses, request,
                &v1::ListLicensesResponse::licenses, kLicenseHeaders, &LicenseRow);
}

int InstallLicense(Context& c) {
  v1::InstallLicenseRequest request;
  request.set_parent(c.args.Required("parent"));
  request.set_license_key(c.args.Required("key"));
  return c.Unary(c.client->tenancy(), &v1::TenancyService::Stub::InstallLicense, request,
                 [](const v1::License& l) { PrintTable(kLicenseHeaders, {LicenseRow(l)}); });
}

}  // namespace

std::map<std::string, std::string> Context::TenantDisplayNames() {
  std::map<std::string, std::string> names;
  v1::ListTenantsRequest request;
  request.set_page_size(1000);
  auto pager = client->ListAll(client->tenancy(), &v1::TenancyService::Stub::ListTenants, request,
                               &v1::ListTenantsResponse::tenants);
  for (const v1::Tenant& t : pager) {
    names[t.name()] = t.display_name();
  }
  return names;  // a failed lookup leaves the tenant names as they are
}

std::string TenantOfItem(const std::string& name) {
  const size_t second = name.find('/', name.find('/') + 1);
  return name.substr(0, second);
}

std::vector<Command> TenancyCommands() {
  return {
      {"whoami", "", "whoami", &WhoAmI},
      {"tenants", "list", "tenants list [--filter 'display_name:\"acme\" AND kind = TENANT']",
       &ListTenants},
      {"tenants", "get", "tenants get NAME", &GetTenant},
      {"tenants", "create", "tenants create --parent P --kind TENANT|PARTNER|ORGANIZATION --name N",
       &CreateTenant},
      {"licenses", "list", "licenses list --parent P", &ListLicenses},
      {"licenses", "install", "licenses install --parent P --key KEY", &InstallLicense},
  };
}

}  // namespace cases::client::cli
