// The activities unit of the domain layer: the change feed as pages
// (ListActivities) and as a live stream (StreamActivities). A caller sees an
// activity when it may read the resource: per tenant, the products the guard
// permits (an MDR analyst: MDR cases, MDR requests and their messages), plus the
// tenant-wide ones (licences, child tenants).
#ifndef CASES_DOMAIN_ACTIVITIES_H_
#define CASES_DOMAIN_ACTIVITIES_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "domain/activity_hub.h"
#include "domain/feed.h"
#include "domain/page.h"
#include "soc/cases/v1/activity_service.pb.h"
#include "sql/activities.h"
#include "tenancy/guard.h"

namespace cases::domain {

class Activities {
 public:
  Activities(const tenancy::Guard* guard, sql::ActivityStore* store, ActivityHub* hub)
      : guard_(guard), store_(store), hub_(hub) {}

  absl::StatusOr<Page<sql::ActivityRow>> List(const tenancy::CallContext& call,
                                              sql::ListParams params) const;

  // StreamActivities: the activities after `start_after` (an activity name in one
  // of the streamed tenants; in the others, after its time; empty: only what
  // commits from now on) that `filter` selects, then each new one as it commits,
  // each once, in order within its tenant. The feed's RESOURCE_EXHAUSTED
  // (STREAM_BEHIND) carries metadata `resume_after`: the last name passed (at
  // first, `start_after`). `waker`: the hub's (feed.h).
  absl::StatusOr<std::unique_ptr<Feed<::soc::cases::v1::Activity>>> Open(
      const tenancy::CallContext& call, const std::string& start_after, const std::string& filter,
      std::function<void()> waker) const;

 private:
  // What the caller may see in each tenant, as the list's value scope on `product`.
  void ScopeToReadable(const tenancy::CallContext& call, sql::ListParams* params) const;

  const tenancy::Guard* guard_;
  sql::ActivityStore* store_;
  ActivityHub* hub_;
};

// The resource name of an activity.
std::string ActivityName(const sql::ActivityRow& row);

// The API form of an activity row: its stored payload with name, type, resource,
// actor, time and the tenant display names of `snapshot`. False when the payload
// does not parse.
bool ActivityToProto(const tenancy::TenantSnapshot& snapshot, const sql::ActivityRow& row,
                     ::soc::cases::v1::Activity* out);

}  // namespace cases::domain

#endif  // CASES_DOMAIN_ACTIVITIES_H_
