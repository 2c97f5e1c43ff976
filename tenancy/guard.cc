#include "tenancy/guard.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "soc/cases/v1/activity_service.pb.h"
#include "soc/cases/v1/automation_service.pb.h"
#include "soc/cases/v1/case_service.pb.h"
#include "soc/cases/v1/detection_service.pb.h"
#include "soc/cases/v1/service_request_service.pb.h"

namespace cases::tenancy {
namespace {

namespace v1 = ::soc::cases::v1;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;

const google::protobuf::ServiceDescriptor* FindService(const char* name) {
  // Touch one generated type per file so the descriptors are registered.
  (void)v1::GetCaseRequest::descriptor();
  (void)v1::GetDetectionRequest::descriptor();
  (void)v1::GetServiceRequestRequest::descriptor();
  (void)v1::GetTenantRequest::descriptor();
  (void)v1::GetCaseRuleRequest::descriptor();
  return google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
}

// The field at a dotted path of `message` and the message holding it; the
// field is nullptr when a step does not exist. Unset messages read as defaults.
std::pair<const Message*, const FieldDescriptor*> FieldAt(const Message& message,
                                                          absl::string_view path) {
  const Message* current = &message;
  std::vector<absl::string_view> steps = absl::StrSplit(path, '.');
  for (size_t i = 0; i < steps.size(); ++i) {
    const FieldDescriptor* field = current->GetDescriptor()->FindFieldByName(std::string(steps[i]));
    if (field == nullptr || field->is_repeated()) {
      return {current, nullptr};
    }
    if (i + 1 == steps.size()) {
      return {current, field};
    }
    if (field->type() != FieldDescriptor::TYPE_MESSAGE) {
      return {current, nullptr};
    }
    current = &current->GetReflection()->GetMessage(*current, field);
  }
  return {current, nullptr};
}

std::string StringAt(const Message& message, absl::string_view path) {
  auto [holder, field] = FieldAt(message, path);
  return field != nullptr && field->type() == FieldDescriptor::TYPE_STRING
             ? holder->GetReflection()->GetString(*holder, field)
             : "";
}

// The rule's grants for `product` only.
ActionRule Narrow(const ActionRule& rule, Product product) {
  ActionRule narrowed{rule.action, rule.words, {}};
  for (const Grant& g : rule.grants) {
    if (g.product == product) {
      narrowed.grants.push_back(g);
    }
  }
  return narrowed;
}

// The action's rule narrowed to the product the request names, when it names one.
ActionRule NarrowByRequest(const Permission& method, const Message& request) {
  const ActionRule& rule = RuleOf(method.action);
  auto [holder, field] = FieldAt(request, method.product_field);
  if (method.product_field.empty() || field == nullptr ||
      field->type() != FieldDescriptor::TYPE_ENUM) {
    return rule;
  }
  const int value = holder->GetReflection()->GetEnumValue(*holder, field);
  for (const auto& [listed, product] : method.product_by_value) {
    if (listed == value) {
      return Narrow(rule, product);
    }
  }
  return rule;
}

// A grant without roles is open to every authenticated caller.
bool HasRole(const Principal& p, const Grant& g) {
  return g.roles.empty() ||
         std::any_of(g.roles.begin(), g.roles.end(), [&](Role r) { return p.Has(r); });
}

// "closing a case needs TENANT_SUPER_ADMIN or TENANT_ADMIN", with the method and
// the allowed roles (without their ROLE_ prefix) in the ErrorInfo.
absl::Status RoleRequired(const CallContext& call, const ActionRule& rule) {
  std::vector<std::string> roles;
  for (const Grant& g : rule.grants) {
    for (Role r : g.roles) {
      std::string role = v1::Role_Name(r).substr(5);
      if (std::find(roles.begin(), roles.end(), role) == roles.end()) {
        roles.push_back(std::move(role));
      }
    }
  }
  std::string allowed = roles.empty() ? "a role this tenant's licences cover" : roles.back();
  if (roles.size() > 1) {
    allowed =
        absl::StrCat(absl::StrJoin(roles.begin(), roles.end() - 1, ", "), " or ", roles.back());
  }
  std::map<std::string, std::string> metadata = {{"action", rule.words},
                                                 {"roles", absl::StrJoin(roles, ",")}};
  if (call.permission != nullptr) {  // null when asked outside a call (the webhook dispatcher)
    const std::string& full = call.permission->method;
    metadata["method"] = full.substr(full.rfind('.') + 1);
  }
  std::string message = absl::StrCat(rule.words, " needs ", allowed);
  if (!call.principal.ignored_roles.empty()) {
    // The usual cause of a refusal nobody expects: the token's roles were ignored.
    const std::string ignored = absl::StrJoin(call.principal.ignored_roles, ", ");
    absl::StrAppend(&message, "; the token's roles ", ignored,
                    " grant nothing here (unknown, or not for this tenant's kind)");
    metadata["ignored_roles"] = ignored;
  }
  return ErrorWithReason(absl::StatusCode::kPermissionDenied, "ROLE_REQUIRED", message, metadata);
}

}  // namespace

Guard::Guard(const Authenticator* authenticator, TenantDirectory* directory)
    : authenticator_(authenticator), directory_(directory) {
  for (const char* service_name : kApiServices) {
    const auto* service = FindService(service_name);
    for (int i = 0; service != nullptr && i < service->method_count(); ++i) {
      const auto* method = service->method(i);
      by_request_[method->input_type()->full_name()] = FindPermission(method->full_name());
    }
  }
}

absl::Status Guard::CheckTableCoversApi() {
  for (const char* service_name : kApiServices) {
    const auto* service = FindService(service_name);
    if (service == nullptr) {
      return absl::InternalError(absl::StrCat("service not linked: ", service_name));
    }
    for (int i = 0; i < service->method_count(); ++i) {
      if (FindPermission(service->method(i)->full_name()) == nullptr) {
        return absl::InternalError(
            absl::StrCat("no permission rule for ", service->method(i)->full_name()));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<CallContext> Guard::Authorize(absl::string_view authorization,
                                             const Message& request, CallAudit* audit) const {
  CallAudit ignored;
  return AuthorizeWith(authorization, request, audit != nullptr ? audit : &ignored,
                       [this] { return directory_->Current(); });
}

std::optional<absl::StatusOr<CallContext>> Guard::AuthorizeIfLoaded(absl::string_view authorization,
                                                                    const Message& request,
                                                                    CallAudit* audit) const {
  bool would_load = false;
  absl::StatusOr<CallContext> call = AuthorizeWith(
      authorization, request, audit,
      [&]() -> absl::StatusOr<std::shared_ptr<const TenantSnapshot>> {
        std::shared_ptr<const TenantSnapshot> loaded = directory_->CurrentIfLoaded();
        would_load = loaded == nullptr;
        if (would_load) {
          return absl::UnavailableError("the tenant directory is not loaded");  // not returned
        }
        return loaded;
      });
  if (would_load) {
    return std::nullopt;
  }
  return call;
}

absl::StatusOr<CallContext> Guard::AuthorizeWith(
    absl::string_view authorization, const Message& request, CallAudit* audit,
    absl::FunctionRef<absl::StatusOr<std::shared_ptr<const TenantSnapshot>>()> snapshot) const {
  CallContext call;
  call.now = absl::Now();
  ASSIGN_OR_RETURN(auto claims, authenticator_->Authenticate(authorization, call.now));
  audit->principal = claims.subject;
  auto it = by_request_.find(request.GetDescriptor()->full_name());
  if (it == by_request_.end() || it->second == nullptr) {
    return absl::InternalError("no permission rule for this call");
  }
  call.permission = it->second;
  const Permission& method = *call.permission;
  const ActionRule& rule = RuleOf(method.action);
  ASSIGN_OR_RETURN(call.snapshot, snapshot());
  ASSIGN_OR_RETURN(call.principal, ResolvePrincipal(claims, *call.snapshot));

  std::string tenant = call.principal.home_tenant_id;
  const std::string target = StringAt(request, method.target_field);
  if (!method.target_field.empty()) {
    ASSIGN_OR_RETURN(tenant, TenantOfName(target, method.target_field, method.all_tenants));
  }
  audit->tenant = tenant == "-" ? "tenants/-" : TenantName(tenant);
  if (tenant == "-") {
    // Every reachable tenant in which the caller may act; needs a role of the rule at all.
    if (std::none_of(rule.grants.begin(), rule.grants.end(),
                     [&](const Grant& g) { return HasRole(call.principal, g); })) {
      return RoleRequired(call, rule);
    }
    call.all_tenants = true;
    call.target.tenant_id = "-";
    for (const std::string& id : ReachableTenants(call.principal, *call.snapshot)) {
      if (Decide(call, rule, id).allowed) {
        call.tenant_ids.push_back(id);
      }
    }
    return call;
  }
  if (!Reaches(call.principal, *call.snapshot, tenant)) {
    return ErrorWithReason(absl::StatusCode::kPermissionDenied, "TENANT_NOT_REACHABLE",
                           "the caller cannot reach this tenant", {{"tenant", TenantName(tenant)}});
  }
  RETURN_IF_ERROR(CheckRoleAndLicense(call, NarrowByRequest(method, request), tenant));
  call.tenant_id = tenant;
  call.tenant_ids = {tenant};
  // Only now is the rest of the name looked at: a caller who may not act here
  // learns nothing about which names are well formed.
  if (!method.target_pattern.empty()) {
    ASSIGN_OR_RETURN(call.target, ParseName(target, method.target_field, method.target_pattern));
  } else {
    call.target.tenant_id = tenant;
  }
  return call;
}

Guard::Verdict Guard::Decide(const CallContext& call, const ActionRule& rule,
                             const std::string& tenant_id, std::optional<Product> only) {
  Verdict v;
  for (const Grant& grant : rule.grants) {
    if ((only.has_value() && grant.product != *only) || !HasRole(call.principal, grant)) {
      continue;
    }
    v.any_role = true;
    if (grant.product == v1::PRODUCT_UNSPECIFIED) {
      v.allowed = true;
      return v;
    }
    switch (call.snapshot->License(tenant_id, grant.product, call.now)) {
      case LicenseState::kValid:
        v.allowed = true;
        return v;
      case LicenseState::kExpired:
        v.expired = v.expired != nullptr ? v.expired : &grant;
        break;
      case LicenseState::kMissing:
        v.missing = v.missing != nullptr ? v.missing : &grant;
        break;
    }
  }
  return v;
}

absl::Status Guard::CheckRoleAndLicense(const CallContext& call, const ActionRule& rule,
                                        const std::string& tenant_id) const {
  const Verdict v = Decide(call, rule, tenant_id);
  if (v.allowed) {
    return absl::OkStatus();
  }
  if (!v.any_role) {
    return RoleRequired(call, rule);
  }
  const bool is_expired = v.expired != nullptr;
  const Grant* grant = is_expired ? v.expired : v.missing;
  const std::string product = v1::Product_Name(grant->product);
  return ErrorWithReason(absl::StatusCode::kPermissionDenied,
                         is_expired ? "LICENSE_EXPIRED" : "LICENSE_REQUIRED",
                         absl::StrCat(is_expired ? "the tenant's licence has expired: "
                                                 : "the tenant has no licence for ",
                                      product),
                         {{"product", product}, {"tenant", TenantName(tenant_id)}});
}

absl::Status Guard::Allow(const CallContext& call, Action action, Product product) const {
  return CheckRoleAndLicense(call, Narrow(RuleOf(action), product), call.tenant_id);
}

std::vector<Product> Guard::PermittedProducts(const CallContext& call, const std::string& tenant_id,
                                              std::optional<Action> action) const {
  // Not value_or: its argument is formed even when `action` is set, and a caller
  // outside a call (the webhook dispatcher) has no method's permission entry.
  const ActionRule& rule = RuleOf(action.has_value() ? *action : call.permission->action);
  std::vector<Product> out;
  for (const Grant& g : rule.grants) {
    if (Decide(call, rule, tenant_id, g.product).allowed) {
      out.push_back(g.product);
    }
  }
  return out;
}

}  // namespace cases::tenancy
