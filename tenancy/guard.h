// The one guard every call runs first: authenticate the bearer token, find the
// method's row in the permission table, resolve the target tenant from the named
// request field, check reach, role and licence — in that order, and before
// anything about the resource itself is looked at (AIP-193) — and only then parse
// the whole target name against the method's pattern into the call context.
// Domain code asks it again, with Allow, for the action a change needs once the
// resource's product is known.
#ifndef CASES_TENANCY_GUARD_H_
#define CASES_TENANCY_GUARD_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "common/names.h"
#include "google/protobuf/message.h"
#include "tenancy/authenticator.h"
#include "tenancy/directory.h"
#include "tenancy/permissions.h"
#include "tenancy/principal.h"

namespace cases::tenancy {

// What a handler learns from the guard.
struct CallContext {
  Principal principal;
  const Permission* permission = nullptr;
  std::shared_ptr<const TenantSnapshot> snapshot;
  absl::Time now;
  // The target tenant (16 bytes); the caller's home tenant when the rule names none.
  std::string tenant_id;
  // The target's name parsed against the method's pattern: its ids, in order.
  ParsedName target;
  // With `tenants/-`: every reachable tenant in which the caller may act (role and
  // licence); tenant_id is then empty.
  bool all_tenants = false;
  std::vector<std::string> tenant_ids;
};

// Who a call came from and what it aimed at, as far as the guard got: filled
// even when the call is refused, for the access log.
struct CallAudit {
  std::string principal;  // the token's subject once it verified; empty before
  std::string tenant;     // the target tenant's name once it parsed ("tenants/-" too)
};

class Guard {
 public:
  Guard(const Authenticator* authenticator, TenantDirectory* directory);

  absl::StatusOr<CallContext> Authorize(absl::string_view authorization,
                                        const google::protobuf::Message& request,
                                        CallAudit* audit = nullptr) const;
  // Authorize without touching the database: nullopt when the tenant directory
  // would have to be loaded first (then call Authorize where blocking is fine).
  std::optional<absl::StatusOr<CallContext>> AuthorizeIfLoaded(
      absl::string_view authorization, const google::protobuf::Message& request,
      CallAudit* audit) const;

  // The caller may do `action` on an item of `product` in the call's tenant:
  // a role of that product's grant, and a valid licence for it. The refusal names
  // the action and the roles that would be allowed.
  absl::Status Allow(const CallContext& call, Action action, Product product) const;

  // Products the call's action (or `action`) allows the caller in `tenant_id` (role
  // and a valid licence), for lists that mix products.
  std::vector<Product> PermittedProducts(const CallContext& call, const std::string& tenant_id,
                                         std::optional<Action> action = std::nullopt) const;

  // The rule for a full method name; every method of the four services has one.
  static absl::Status CheckTableCoversApi();

 private:
  // What a rule decides for the caller in a tenant, found without building a
  // refusal: lists across many tenants ask it for each one.
  struct Verdict {
    bool any_role = false;
    bool allowed = false;
    const Grant* expired = nullptr;  // the first grant held whose licence lapsed
    const Grant* missing = nullptr;  // the first grant held without a licence
  };
  // Only the grants of `only`, when set.
  static Verdict Decide(const CallContext& call, const ActionRule& rule,
                        const std::string& tenant_id, std::optional<Product> only = std::nullopt);
  // Authorize with the snapshot `snapshot` gives once the token has verified.
  absl::StatusOr<CallContext> AuthorizeWith(
      absl::string_view authorization, const google::protobuf::Message& request, CallAudit* audit,
      absl::FunctionRef<absl::StatusOr<std::shared_ptr<const TenantSnapshot>>()> snapshot) const;
  absl::Status CheckRoleAndLicense(const CallContext& call, const ActionRule& rule,
                                   const std::string& tenant_id) const;

  const Authenticator* authenticator_;
  TenantDirectory* directory_;
  // Request message full name → its method's rule.
  absl::flat_hash_map<std::string, const Permission*> by_request_;
};

}  // namespace cases::tenancy

#endif  // CASES_TENANCY_GUARD_H_
