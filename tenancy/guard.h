// The one guard every handler runs first: authenticate the bearer token, find
// the request's rule in the permission table, resolve the target tenant from the
// named request field, then check reach, role and licence — in that order, and
// before anything about the resource itself is looked at (AIP-193).
//
//   auto call = guard.Authorize(authorization_header, request);
//   if (!call.ok()) return ToGrpcStatus(call.status());
#ifndef CASES_TENANCY_GUARD_H_
#define CASES_TENANCY_GUARD_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
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
  // With `tenants/-`: every reachable tenant in which the caller may act (role and
  // licence); tenant_id is then empty.
  bool all_tenants = false;
  std::vector<std::string> tenant_ids;
};

class Guard {
 public:
  Guard(const Authenticator* authenticator, TenantDirectory* directory);

  absl::StatusOr<CallContext> Authorize(absl::string_view authorization,
                                        const google::protobuf::Message& request) const;

  // For a resource of `product` found by the handler (or chosen by the request):
  // the caller needs a role of that product's grant in `action`'s rule (default:
  // the call's own rule) and `tenant_id` a valid licence for it.
  absl::Status AuthorizeProduct(const CallContext& call, const std::string& tenant_id, Product product,
                                absl::string_view action = "") const;

  // Products of the call's rule the caller may act on in `tenant_id` (role and a
  // valid licence), for lists that mix products.
  std::vector<Product> PermittedProducts(const CallContext& call, const std::string& tenant_id) const;

  // The rule for a full method name; every method of the four services has one.
  static absl::Status CheckTableCoversApi();

 private:
  absl::Status CheckRoleAndLicense(const CallContext& call, const Permission& rule,
                                   const std::string& tenant_id) const;

  const Authenticator* authenticator_;
  TenantDirectory* directory_;
  // Request message full name → its method's rule.
  absl::flat_hash_map<std::string, const Permission*> by_request_;
};

// `tenants/{id}` or `tenants/{id}/...` → the 16-byte id; "-" when `allow_all`
// and the name is `tenants/-`. INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<std::string> TenantOfName(absl::string_view name, absl::string_view field, bool allow_all);

// "tenants/<id text>".
std::string TenantName(const std::string& tenant_id);

}  // namespace cases::tenancy

#endif  // CASES_TENANCY_GUARD_H_
