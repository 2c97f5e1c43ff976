// Resource names (AIP-122): `tenants/{tenant}/{collection}/{id}[/{collection}/{id}]`,
// with ids as lower-case UUID text. The one place names are made and parsed: the
// guard parses the target of every call against its method's pattern, so domain
// code receives 16-byte ids and never sees a name it has to check again.
#ifndef CASES_COMMON_NAMES_H_
#define CASES_COMMON_NAMES_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cases {

// "tenants/<id text>" of a 16-byte tenant id.
std::string TenantName(absl::string_view tenant_id);

// "tenants/<tenant>/<collection>/<id>" from 16-byte ids.
std::string ChildName(absl::string_view tenant_id, absl::string_view collection,
                      absl::string_view id);

// The 16-byte id in the last segment of a resource name; nullopt when malformed.
std::optional<std::string> LastIdOf(absl::string_view name);

// The tenant of `tenants/{id}` or `tenants/{id}/...` as 16 bytes; "-" when
// `allow_all` and the name is exactly `tenants/-`. INVALID_ARGUMENT naming `field`.
absl::StatusOr<std::string> TenantOfName(absl::string_view name, absl::string_view field,
                                         bool allow_all);

// A name parsed against a pattern such as "tenants/{tenant}/cases/{case}".
struct ParsedName {
  std::string tenant_id;         // 16 bytes, or "-" for `tenants/-`
  std::vector<std::string> ids;  // 16-byte ids of the segments after the tenant, in order

  // The resource's own id (the last one); empty for a tenant name.
  const std::string& id() const;
};

// Parses `name` against `pattern`: literal segments must match, `{x}` segments
// must be ids. `allow_all` accepts `tenants/-` for a tenant-only pattern.
// INVALID_ARGUMENT naming `field` and the expected shape otherwise.
absl::StatusOr<ParsedName> ParseName(absl::string_view name, absl::string_view field,
                                     absl::string_view pattern, bool allow_all = false);

// The 16-byte id of `name`, which must be tenants/{tenant_id}/{collection}/{id}
// in exactly the tenant `tenant_id` (names inside a request body: detections[],
// names[], case.queue). INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<std::string> ParseChildName(absl::string_view name, absl::string_view field,
                                           absl::string_view tenant_id,
                                           absl::string_view collection);

}  // namespace cases

#endif  // CASES_COMMON_NAMES_H_
