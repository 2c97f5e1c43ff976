#include "domain/activities.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "sql/db_time.h"

namespace cases::domain {
namespace {

namespace v1 = ::soc::cases::v1;
using tenancy::CallContext;

constexpr int kBacklogBatch = 500;

int ProductValue(v1::Product product) { return product; }

std::vector<std::string> StreamedTenants(const CallContext& call) {
  return call.all_tenants ? call.tenant_ids : std::vector<std::string>{call.tenant_id};
}

}  // namespace

std::string ActivityName(const sql::ActivityRow& row) {
  return ChildName(row.tenant_id, "activities", row.activity_id);
}

bool ActivityToProto(const tenancy::TenantSnapshot& snapshot, const sql::ActivityRow& row,
                     v1::Activity* out) {
  if (!out->ParseFromString(row.payload)) {
    return false;
  }
  out->set_name(ActivityName(row));
  out->set_type(static_cast<v1::ActivityType>(row.type));
  out->set_resource(row.resource);
  out->set_actor(row.actor);
  SetTimestamp(row.create_time, out->mutable_create_time());
  const sql::TenantRow* tenant = snapshot.Find(row.tenant_id);
  const std::string display_name = tenant == nullptr ? std::string() : tenant->display_name;
  out->set_tenant_display_name(display_name);
  if (out->has_case_()) {
    out->mutable_case_()->set_tenant_display_name(display_name);
  } else if (out->has_service_request()) {
    out->mutable_service_request()->set_tenant_display_name(display_name);
  }
  return true;
}

void Activities::ScopeToReadable(const CallContext& call, sql::ListParams* params) const {
  // Tenant-wide activities (licences, child tenants) show to whoever reaches the tenant.
  ScopeToPermittedProducts(*guard_, call, "product", &ProductValue, params,
                           tenancy::Action::kReadActivities, {v1::PRODUCT_UNSPECIFIED});
}

absl::StatusOr<Page<sql::ActivityRow>> Activities::List(const CallContext& call,
                                                        sql::ListParams params) const {
  ScopeToReadable(call, &params);
  Page<sql::ActivityRow> page;
  ASSIGN_OR_RETURN(page.next_page_token, store_->List(params, &page.rows));
  return page;
}

absl::Status Activities::Stream(const CallContext& call, const std::string& start_after_id,
                                const std::string& filter,
                                const std::function<bool(const sql::ActivityRow&)>& send,
                                const std::function<bool()>& cancelled) const {
  const sql::ListSchema& schema = sql::ActivityStore::Schema();
  ASSIGN_OR_RETURN(sql::RowFilter matcher, sql::RowFilter::Compile(schema.fields, filter));
  sql::ListParams params;
  params.tenant_ids = StreamedTenants(call);
  params.filter = filter;
  params.page_size = kBacklogBatch;
  ScopeToReadable(call, &params);
  std::map<std::string, std::set<int64_t>> readable;  // tenant → products it shows
  for (const sql::ValueScope::Arm& arm : params.values.arms) {
    for (const std::string& t : arm.tenant_ids) {
      readable[t].insert(arm.values.begin(), arm.values.end());
    }
  }

  // Subscribe before reading the backlog, so nothing committed in between is
  // missed; within a tenant ids follow commit order, so what both deliver is
  // recognised by the last id sent there.
  ASSIGN_OR_RETURN(std::unique_ptr<ActivityHub::Subscription> subscription,
                   hub_->Subscribe(params.tenant_ids));
  std::map<std::string, std::string> last_sent;  // tenant → id
  std::string last_name;
  auto deliver = [&](const sql::ActivityRow& row) {
    last_sent[row.tenant_id] = row.activity_id;
    last_name = ActivityName(row);
    return send(row);
  };
  if (!start_after_id.empty()) {
    std::string after = start_after_id;
    while (true) {
      params.scope = {"activity_id > ?", {after}};
      std::vector<sql::ActivityRow> rows;
      RETURN_IF_ERROR(store_->List(params, &rows).status());
      for (const sql::ActivityRow& row : rows) {
        if (!deliver(row)) {
          return absl::OkStatus();  // the client went away
        }
      }
      if (rows.size() < static_cast<size_t>(kBacklogBatch)) {
        break;
      }
      after = rows.back().activity_id;
    }
  }
  auto duplicate = [&](const sql::ActivityRow& row) {
    auto sent = last_sent.find(row.tenant_id);
    return sent != last_sent.end() && row.activity_id <= sent->second;  // the backlog had it
  };
  auto shows = [&](const sql::ActivityRow& row) {
    auto products = readable.find(row.tenant_id);
    if (products == readable.end() || products->second.count(row.product) == 0) {
      return false;
    }
    return matcher.Matches([&](const sql::FilterField& f) -> sql::FieldValue {
      if (f.name == "type") {
        return static_cast<int64_t>(row.type);
      }
      if (f.name == "resource") {
        return row.resource;
      }
      if (f.name == "create_time") {
        return sql::FormatDbTime(row.create_time);
      }
      return row.tenant_id;  // tenant
    });
  };
  while (!cancelled()) {
    bool closed = false, overflow = false;
    for (const SharedActivity& row : subscription->Next(kStreamWait, &closed, &overflow)) {
      if (duplicate(*row)) {
        continue;
      }
      // Passed over or sent, it is behind the resume point now.
      last_sent[row->tenant_id] = row->activity_id;
      last_name = ActivityName(*row);
      if (shows(*row) && !send(*row)) {
        return absl::OkStatus();
      }
    }
    if (closed) {
      return Unavailable("the server is draining; reconnect with start_after", absl::Seconds(1));
    }
    if (overflow) {
      return WithRetryInfo(
          ErrorWithReason(absl::StatusCode::kResourceExhausted, "STREAM_BEHIND",
                          "the stream fell behind; reconnect with start_after = resume_after",
                          {{"resume_after", last_name}}),
          absl::Milliseconds(100));
    }
  }
  return absl::CancelledError("the client cancelled the stream");
}

}  // namespace cases::domain
