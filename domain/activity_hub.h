// Live delivery of the change feed, across replicas sharing one database: the one
// fan-out mechanism behind StreamActivities and StreamMessages (a message is a
// MESSAGE_CREATED activity).
//
// One topic per tenant with open streams, one poller thread per replica. A commit
// on this replica wakes the poller at once (Notify, the pool's commit listener);
// commits on other replicas are found by one query per poll interval over the
// subscribed tenants' feed heads (their 'activities' counters). A topic whose head
// moved reads the activities after its cursor. Within a tenant activity ids follow
// commit order (sql/activities.h), so the cursor is exact: nothing is read twice
// and no late commit is skipped. Each topic buffers what its slowest subscriber has
// not taken, up to `buffer_activities`; a subscriber that falls further behind is
// told so (overflow) and must resume from its last activity. A subscriber either
// waits in Next, or takes with Next(0) and is called back (its waker) when there
// may be more: a stream on gRPC's callback API holds no thread while it waits.
#ifndef CASES_DOMAIN_ACTIVITY_HUB_H_
#define CASES_DOMAIN_ACTIVITY_HUB_H_

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/sync.h"
#include "sql/activities.h"

namespace cases::domain {

struct ActivityHubOptions {
  absl::Duration poll_interval = absl::Milliseconds(100);
  int max_streams = 10000;
  size_t buffer_activities = 1024;  // per tenant; a stream further behind must resume
};

using SharedActivity = std::shared_ptr<const sql::ActivityRow>;

class ActivityHub {
 public:
  struct Topic;

  // One stream's place in its tenants' topics; leaves them when destroyed.
  class Subscription {
   public:
    ~Subscription();
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    // Activities this subscription has not taken yet, in id order per tenant,
    // waiting up to `max_wait` for some (zero: none). `closed`: the hub is
    // draining. `overflow`: activities were dropped before this subscription took
    // them.
    std::vector<SharedActivity> Next(absl::Duration max_wait, bool* closed, bool* overflow);

   private:
    friend class ActivityHub;
    using Waker = std::shared_ptr<const std::function<void()>>;
    Subscription(ActivityHub* hub, Waker waker) : hub_(hub), waker_(std::move(waker)) {}
    ActivityHub* hub_;
    const Waker waker_;                                                 // may be null
    std::vector<std::pair<std::shared_ptr<Topic>, long long>> places_;  // topic, last seq taken
  };

  ActivityHub(sql::ActivityStore* store, ActivityHubOptions options);
  ~ActivityHub();

  // From now on: every activity of these tenants committed after this call.
  // RESOURCE_EXHAUSTED (with RetryInfo) when max_streams streams are open.
  // `waker`, if set, is called whenever Next may have something new or the hub
  // drains: from the hub's thread, without the hub's lock, possibly once more
  // after the subscription is gone.
  absl::StatusOr<std::unique_ptr<Subscription>> Subscribe(const std::vector<std::string>& tenants,
                                                          std::function<void()> waker = nullptr);
  // Activities of these tenants were committed on this replica: poll them now.
  void Notify(const std::vector<std::string>& tenant_ids);
  // Drain: every subscription's Next returns closed; new subscriptions are refused.
  void Shutdown();
  int open_streams() const { return open_streams_.load(); }
  int open_topics() const;

 private:
  void PollLoop();
  void FindRemoteChanges(const std::vector<std::shared_ptr<Topic>>& topics);
  void PollTopic(const std::shared_ptr<Topic>& topic);
  void Trim(Topic* topic) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Adds the wakers of `topic`'s subscribers to `out`, to be called without mu_.
  void WakersOf(const Topic& topic, std::vector<Subscription::Waker>* out) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  sql::ActivityStore* store_;
  const ActivityHubOptions options_;
  mutable Mutex mu_;
  std::map<std::string, std::shared_ptr<Topic>> topics_ ABSL_GUARDED_BY(mu_);
  bool poll_now_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<int> open_streams_{0};
  std::thread poller_;
};

struct ActivityHub::Topic {
  std::string tenant_id;
  std::string cursor;  // the last activity id read
  bool dirty = false;  // the head moved past the cursor: read it
  long long seq = 0;   // of the newest buffered activity
  std::deque<std::pair<long long, SharedActivity>> buffer;
  std::map<const Subscription*, long long> readers;  // each subscriber's last seq taken
  // How many subscribers last took each seq: the oldest still wanted is the first
  // key, so a take and the trim after it cost O(log n), not a walk over every
  // subscriber (10 000 streams of one tenant each taking a message made that
  // O(n^2) per message, under the hub's lock).
  std::map<long long, int> taken;

  void AddReader(const Subscription* reader, long long seq);
  void MoveReader(const Subscription* reader, long long seq);
  void RemoveReader(const Subscription* reader);
};

}  // namespace cases::domain

#endif  // CASES_DOMAIN_ACTIVITY_HUB_H_
