#include "server/convert.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cases::server {

void ScopeByPermittedProducts(const tenancy::Guard& guard, const tenancy::CallContext& call,
                              const std::string& column, int64_t (*value_of)(::soc::cases::v1::Product),
                              sql::ListParams* params) {
  std::map<std::vector<int64_t>, std::vector<std::string>> tenants_by_values;
  for (const std::string& tenant : params->tenant_ids) {
    std::vector<int64_t> values;
    for (::soc::cases::v1::Product p : guard.PermittedProducts(call, tenant)) {
      values.push_back(value_of(p));
    }
    if (!values.empty()) {
      tenants_by_values[values].push_back(tenant);
    }
  }
  std::vector<std::string> arms;
  for (const auto& [values, tenants] : tenants_by_values) {
    arms.push_back(absl::StrCat("(tenant_id IN (", sql::Placeholders(tenants.size()), ") AND ", column, " IN (",
                                sql::Placeholders(values.size()), "))"));
    params->scope.params.insert(params->scope.params.end(), tenants.begin(), tenants.end());
    params->scope.params.insert(params->scope.params.end(), values.begin(), values.end());
  }
  if (arms.empty()) {
    params->tenant_ids.clear();  // nothing readable: an empty page
    return;
  }
  params->scope.sql = absl::StrCat("(", absl::StrJoin(arms, " OR "), ")");
}

}  // namespace cases::server
