// Shared pieces of the row → proto conversion at the API edge.
#ifndef CASES_SERVER_CONVERT_H_
#define CASES_SERVER_CONVERT_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/validation.h"
#include "server/names.h"
#include "server/proto_time.h"
#include "sql/history.h"
#include "sql/list_query.h"
#include "tenancy/guard.h"

namespace cases::server {

// CaseEvent and AlertEvent have the same shape.
template <typename EventProto>
void FillEvent(const sql::EventRow& row, const std::string& parent_name, EventProto* out) {
  out->set_name(parent_name + "/events/" + IdToText(row.event_id));
  out->set_actor(row.actor);
  out->set_type(static_cast<decltype(out->type())>(row.type));
  for (const sql::FieldChangeRow& c : row.changes) {
    auto* change = out->add_changes();
    change->set_field(c.field);
    change->set_old_value(c.old_value);
    change->set_new_value(c.new_value);
  }
  out->set_summary(row.summary);
  SetTimestamp(row.create_time, out->mutable_create_time());
}

// The List parameters of any List request with parent, filter, order_by,
// page_size and page_token: `tenants/-` becomes the tenants the guard allowed.
template <typename ListRequest>
absl::StatusOr<sql::ListParams> ListParamsFor(const tenancy::CallContext& call, const ListRequest& request) {
  Violations v;
  sql::ListParams params;
  params.page_size = CheckPageSize(v, "page_size", request.page_size());
  if (!v.empty()) {
    return v.ToStatus();
  }
  if (call.all_tenants) {
    params.tenant_ids = call.tenant_ids;
  } else {
    if (absl::Status s = CheckTenantName(request.parent(), "parent", call.tenant_id); !s.ok()) {
      return s;
    }
    params.tenant_ids = {call.tenant_id};
  }
  params.parent = request.parent();
  params.filter = request.filter();
  params.order_by = request.order_by();
  params.page_token = request.page_token();
  return params;
}

// Narrows a (possibly cross-tenant) list to what the caller may read in each
// tenant: the products the guard permits there (role and licence), mapped by
// `value_of` to values of `column` (a case type, a request type). Tenants are
// grouped by that set into one tenant-scoped condition.
void ScopeByPermittedProducts(const tenancy::Guard& guard, const tenancy::CallContext& call,
                              const std::string& column, int64_t (*value_of)(::soc::cases::v1::Product),
                              sql::ListParams* params);

}  // namespace cases::server

#endif  // CASES_SERVER_CONVERT_H_
