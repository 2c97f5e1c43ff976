// One page of a List call, as the domain returns it, and what a caller asks of
// a page of a resource's children (history, messages).
#ifndef CASES_DOMAIN_PAGE_H_
#define CASES_DOMAIN_PAGE_H_

#include <optional>
#include <string>
#include <vector>

#include "sql/list_query.h"
#include "tenancy/guard.h"

namespace cases::domain {

template <typename Row>
struct Page {
  std::vector<Row> rows;
  std::string next_page_token;  // empty on the last page
};

struct PageRequest {
  std::string parent;  // the parent's name, as requested: binds the token
  int page_size = 50;
  std::string page_token;
};

// The list parameters of one page of a resource's children in `tenant_id`.
sql::ListParams ChildPageParams(const std::string& tenant_id, const PageRequest& request);

// Narrows a (possibly cross-tenant) list to what the caller may read in each
// tenant: the products the guard permits there (role and licence) for the call's
// action, or `action`, as values of `column` through `value_of` (a case type, a
// request type), plus the values in `always`. Tenants with the same set share one
// arm of the condition sql/ writes.
void ScopeToPermittedProducts(const tenancy::Guard& guard, const tenancy::CallContext& call,
                              const std::string& column, int (*value_of)(::soc::cases::v1::Product),
                              sql::ListParams* params,
                              std::optional<tenancy::Action> action = std::nullopt,
                              const std::vector<int64_t>& always = {});

}  // namespace cases::domain

#endif  // CASES_DOMAIN_PAGE_H_
