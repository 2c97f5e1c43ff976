#include "domain/page.h"

#include <map>

namespace cases::domain {

sql::ListParams ChildPageParams(const std::string& tenant_id, const PageRequest& request) {
  sql::ListParams params;
  params.tenant_ids = {tenant_id};
  params.parent = request.parent;
  params.page_size = request.page_size;
  params.page_token = request.page_token;
  return params;
}

void ScopeToPermittedProducts(const tenancy::Guard& guard, const tenancy::CallContext& call,
                              const std::string& column, int (*value_of)(::soc::cases::v1::Product),
                              sql::ListParams* params, std::optional<tenancy::Action> action,
                              const std::vector<int64_t>& always) {
  std::map<std::vector<int64_t>, std::vector<std::string>> tenants_by_values;
  for (const std::string& tenant : params->tenant_ids) {
    std::vector<int64_t> values = always;
    for (::soc::cases::v1::Product p : guard.PermittedProducts(call, tenant, action)) {
      values.push_back(value_of(p));
    }
    if (!values.empty()) {
      tenants_by_values[values].push_back(tenant);
    }
  }
  params->values.column = column;
  params->values.arms.clear();
  for (auto& [values, tenants] : tenants_by_values) {
    params->values.arms.push_back({std::move(tenants), values});
  }
}

}  // namespace cases::domain
