#include "domain/activities.h"

#include <algorithm>
#include <iterator>
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

namespace {

// StreamActivities' feed: the backlog after the start point, page by page, then
// the hub's live activities, each shown once and only where the caller may read it.
class ActivityFeed final : public Feed<v1::Activity> {
 public:
  ActivityFeed(const CallContext& call, sql::ActivityStore* store, sql::ListParams params,
               sql::RowFilter matcher, std::string start_after_id, std::string start_after)
      : snapshot_(call.snapshot),
        store_(store),
        params_(std::move(params)),
        matcher_(std::move(matcher)),
        after_(std::move(start_after_id)),
        backlog_done_(after_.empty()),
        last_name_(std::move(start_after)) {
    for (const sql::ValueScope::Arm& arm : params_.values.arms) {
      for (const std::string& t : arm.tenant_ids) {
        readable_[t].insert(arm.values.begin(), arm.values.end());
      }
    }
  }

  // Subscribed before the backlog is read, so nothing committed in between is
  // missed; within a tenant ids follow commit order, so what both deliver is
  // recognised by the last id sent there.
  void Attach(std::unique_ptr<ActivityHub::Subscription> subscription) {
    subscription_ = std::move(subscription);
  }

  absl::Status Next(std::vector<v1::Activity>* out, bool* caught_up) override {
    *caught_up = false;
    std::vector<v1::Activity> ready;
    if (!backlog_done_) {
      params_.scope = {"activity_id > ?", {after_}};
      std::vector<sql::ActivityRow> rows;
      RETURN_IF_ERROR(store_->List(params_, &rows).status());
      backlog_done_ = rows.size() < static_cast<size_t>(kBacklogBatch);
      if (!rows.empty()) {
        after_ = rows.back().activity_id;
      }
      for (const sql::ActivityRow& row : rows) {
        Pass(row);
        RETURN_IF_ERROR(Append(row, &ready));
      }
      if (!ready.empty() || !backlog_done_) {
        std::move(ready.begin(), ready.end(), std::back_inserter(*out));
        return absl::OkStatus();
      }
    }
    bool closed = false, overflow = false;
    const std::vector<SharedActivity> live =
        subscription_->Next(absl::ZeroDuration(), &closed, &overflow);
    RETURN_IF_ERROR(SubscriptionEnd(closed, overflow, last_name_));
    for (const SharedActivity& row : live) {
      if (Duplicate(*row)) {
        continue;
      }
      Pass(*row);  // passed over or sent, it is behind the resume point now
      if (Shows(*row)) {
        RETURN_IF_ERROR(Append(*row, &ready));
      }
    }
    std::move(ready.begin(), ready.end(), std::back_inserter(*out));
    *caught_up = true;
    return absl::OkStatus();
  }

 private:
  void Pass(const sql::ActivityRow& row) {
    last_sent_[row.tenant_id] = row.activity_id;
    last_name_ = ActivityName(row);
  }

  absl::Status Append(const sql::ActivityRow& row, std::vector<v1::Activity>* out) const {
    if (!ActivityToProto(*snapshot_, row, &out->emplace_back())) {
      return absl::InternalError("unreadable activity");
    }
    return absl::OkStatus();
  }

  bool Duplicate(const sql::ActivityRow& row) const {
    auto sent = last_sent_.find(row.tenant_id);
    return sent != last_sent_.end() && row.activity_id <= sent->second;  // the backlog had it
  }

  bool Shows(const sql::ActivityRow& row) const {
    auto products = readable_.find(row.tenant_id);
    if (products == readable_.end() || products->second.count(row.product) == 0) {
      return false;
    }
    return matcher_.Matches([&](const sql::FilterField& f) -> sql::FieldValue {
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
  }

  const std::shared_ptr<const tenancy::TenantSnapshot> snapshot_;
  sql::ActivityStore* store_;
  sql::ListParams params_;
  const sql::RowFilter matcher_;
  std::string after_;  // the backlog's cursor
  bool backlog_done_;
  std::map<std::string, std::set<int64_t>> readable_;  // tenant → products it shows
  std::unique_ptr<ActivityHub::Subscription> subscription_;
  std::map<std::string, std::string> last_sent_;  // tenant → id
  std::string last_name_;
};

// The id in `start_after`: empty, or the name of an activity of a streamed tenant.
absl::StatusOr<std::string> StartAfterId(const CallContext& call, const std::string& start_after) {
  if (start_after.empty()) {
    return std::string();
  }
  constexpr char kRule[] =
      "must be the name of an activity of the streamed tenant(s), "
      "tenants/{tenant}/activities/{activity}";
  auto parsed = ParseName(start_after, "start_after", "tenants/{tenant}/activities/{id}");
  if (!parsed.ok()) {
    return InvalidField("start_after", kRule);
  }
  const bool in_stream = call.all_tenants
                             ? std::find(call.tenant_ids.begin(), call.tenant_ids.end(),
                                         parsed->tenant_id) != call.tenant_ids.end()
                             : parsed->tenant_id == call.tenant_id;
  if (!in_stream) {
    return InvalidField("start_after", kRule);
  }
  return parsed->ids.front();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Feed<v1::Activity>>> Activities::Open(
    const CallContext& call, const std::string& start_after, const std::string& filter,
    std::function<void()> waker) const {
  ASSIGN_OR_RETURN(std::string start_after_id, StartAfterId(call, start_after));
  const sql::ListSchema& schema = sql::ActivityStore::Schema();
  ASSIGN_OR_RETURN(sql::RowFilter matcher, sql::RowFilter::Compile(schema.fields, filter));
  sql::ListParams params;
  params.tenant_ids = StreamedTenants(call);
  params.filter = filter;
  params.page_size = kBacklogBatch;
  ScopeToReadable(call, &params);
  auto feed = std::make_unique<ActivityFeed>(call, store_, params, std::move(matcher),
                                             std::move(start_after_id), start_after);
  ASSIGN_OR_RETURN(std::unique_ptr<ActivityHub::Subscription> subscription,
                   hub_->Subscribe(params.tenant_ids, std::move(waker)));
  feed->Attach(std::move(subscription));
  return feed;
}

}  // namespace cases::domain
