// Pieces of the request → command and row → proto mapping that every service
// shares: list parameters, child-list pages, history events.
#ifndef CASES_SERVER_MAPPING_H_
#define CASES_SERVER_MAPPING_H_

#include <set>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "domain/page.h"
#include "google/protobuf/field_mask.pb.h"
#include "sql/history.h"
#include "sql/list_query.h"
#include "tenancy/guard.h"

namespace cases::server {

// The display name of a tenant in the call's tenancy snapshot ("" if it has none).
inline std::string TenantDisplayName(const tenancy::CallContext& call,
                                     const std::string& tenant_id) {
  const sql::TenantRow* row = call.snapshot->Find(tenant_id);
  return row == nullptr ? std::string() : row->display_name;
}

// The paths of an update_mask among `updatable` ("*": all of them); a violation on
// `update_mask` for an empty mask and for each path that cannot be updated.
inline std::set<std::string> CheckUpdateMask(Violations& v, const google::protobuf::FieldMask& mask,
                                             const std::set<std::string>& updatable) {
  std::set<std::string> paths;
  for (const std::string& path : mask.paths()) {
    if (path == "*") {
      paths.insert(updatable.begin(), updatable.end());
    } else if (updatable.count(path) != 0) {
      paths.insert(path);
    } else {
      v.Add("update_mask", absl::StrCat("'", path, "' cannot be updated; updatable: ",
                                        absl::StrJoin(updatable, ", ")));
    }
  }
  if (mask.paths().empty()) {
    v.Add("update_mask", "required: the fields to change");
  }
  return paths;
}

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

template <typename T, typename = void>
struct HasFilter : std::false_type {};
template <typename T>
struct HasFilter<T, std::void_t<decltype(std::declval<const T&>().filter())>> : std::true_type {};
template <typename T, typename = void>
struct HasOrderBy : std::false_type {};
template <typename T>
struct HasOrderBy<T, std::void_t<decltype(std::declval<const T&>().order_by())>> : std::true_type {
};

// The List parameters of a request with parent, page_size, page_token and, when
// it has them, filter and order_by: `tenants/-` becomes the tenants the guard
// allowed. The guard has checked the parent already.
template <typename ListRequest>
absl::StatusOr<sql::ListParams> ListParamsFor(const tenancy::CallContext& call,
                                              const ListRequest& request) {
  Violations v;
  sql::ListParams params;
  params.page_size = CheckPageSize(v, "page_size", request.page_size());
  RETURN_IF_ERROR(v.ToStatus());
  params.tenant_ids = call.tenant_ids;
  params.parent = request.parent();
  params.page_token = request.page_token();
  if constexpr (HasFilter<ListRequest>::value) {
    params.filter = request.filter();
  }
  if constexpr (HasOrderBy<ListRequest>::value) {
    params.order_by = request.order_by();
  }
  return params;
}

// The page asked for by a request listing one resource's children.
template <typename ListRequest>
absl::StatusOr<domain::PageRequest> PageRequestFor(const ListRequest& request) {
  Violations v;
  domain::PageRequest page{request.parent(), CheckPageSize(v, "page_size", request.page_size()),
                           request.page_token()};
  RETURN_IF_ERROR(v.ToStatus());
  return page;
}

}  // namespace cases::server

#endif  // CASES_SERVER_MAPPING_H_
