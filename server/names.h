// Resource names of DESIGN.md (AIP-122): tenants/{tenant}/{collection}/{id}[/...].
#ifndef CASES_SERVER_NAMES_H_
#define CASES_SERVER_NAMES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/ids.h"

namespace cases::server {

// The 16-byte id of `name`, which must be exactly tenants/{tenant_id}/{collection}/{id}.
// INVALID_ARGUMENT on `field` otherwise (another tenant's name included).
absl::StatusOr<std::string> ParseChildName(absl::string_view name, absl::string_view field,
                                           const std::string& tenant_id, absl::string_view collection);

// The 16-byte id of `parent`, which must be exactly tenants/{tenant_id}.
absl::Status CheckTenantName(absl::string_view name, absl::string_view field, const std::string& tenant_id);

}  // namespace cases::server

#endif  // CASES_SERVER_NAMES_H_
