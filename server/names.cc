#include "server/names.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "common/ids.h"

namespace cases::server {

absl::StatusOr<std::string> ParseChildName(absl::string_view name, absl::string_view field,
                                           const std::string& tenant_id, absl::string_view collection) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  const std::string shape = absl::StrCat("must be tenants/{tenant}/", collection, "/{id}");
  if (parts.size() != 4 || parts[0] != "tenants" || parts[2] != collection) {
    return InvalidField(std::string(field), shape);
  }
  if (IdFromText(parts[1]) != tenant_id) {
    return InvalidField(std::string(field), "must be in the same tenant as the request");
  }
  auto id = IdFromText(parts[3]);
  if (!id.has_value()) {
    return InvalidField(std::string(field), absl::StrCat(shape, " with a lower-case UUID id"));
  }
  return *id;
}

absl::Status CheckTenantName(absl::string_view name, absl::string_view field, const std::string& tenant_id) {
  if (name != absl::StrCat("tenants/", IdToText(tenant_id))) {
    return InvalidField(std::string(field), "must be tenants/{tenant}");
  }
  return absl::OkStatus();
}

}  // namespace cases::server
