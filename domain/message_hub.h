// Live message delivery for StreamMessages, across replicas sharing one database.
//
// One poller thread per replica reads new messages of every service request that
// has open streams (one tenant-scoped query per request and poll, shared by all
// its streams) into a per-request topic, and wakes the streams. A write on this
// replica polls at once (Notify); writes on other replicas are seen within one
// poll interval. Because ids come from clocks on several replicas and commits
// land out of id order, each poll re-reads a short settle window behind the
// newest messages and delivers only ids not seen before: late commits are neither
// lost nor delivered twice.
#ifndef CASES_DOMAIN_MESSAGE_HUB_H_
#define CASES_DOMAIN_MESSAGE_HUB_H_

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/sync.h"
#include "sql/service_request_store.h"

namespace cases::domain {

struct MessageHubOptions {
  absl::Duration poll_interval = absl::Milliseconds(100);
  absl::Duration settle = absl::Seconds(2);
  int max_streams = 1000;
  size_t buffer_messages = 1024;  // per request; a stream further behind must reconnect
};

class MessageHub {
 public:
  struct Topic;

  // One stream's place in a topic; unsubscribes when destroyed.
  class Subscription {
   public:
    ~Subscription();
    // Messages this subscription has not taken yet, waiting up to `max_wait` for
    // some. `closed`: the hub is draining. `overflow`: messages were dropped from
    // the buffer before this subscription took them (a too-slow reader).
    std::vector<sql::MessageRow> Next(absl::Duration max_wait, bool* closed, bool* overflow);

   private:
    friend class MessageHub;
    Subscription(MessageHub* hub, std::shared_ptr<Topic> topic, long long seq)
        : hub_(hub), topic_(std::move(topic)), seq_(seq) {}
    MessageHub* hub_;
    std::shared_ptr<Topic> topic_;
    long long seq_;
  };

  MessageHub(sql::ServiceRequestStore* store, MessageHubOptions options);
  ~MessageHub();

  // RESOURCE_EXHAUSTED (with RetryInfo) when max_streams streams are open.
  absl::StatusOr<std::unique_ptr<Subscription>> Subscribe(const std::string& tenant_id,
                                                          const std::string& service_request_id);
  // A message of this request was written on this replica: poll now.
  void Notify(const std::string& tenant_id, const std::string& service_request_id);
  // Drain: every subscription's Next returns closed; new subscriptions are refused.
  void Shutdown();
  int open_streams() const { return open_streams_.load(); }

 private:
  void PollLoop();
  void PollTopic(const std::shared_ptr<Topic>& topic);

  sql::ServiceRequestStore* store_;
  const MessageHubOptions options_;
  mutable Mutex mu_;
  std::map<std::string, std::shared_ptr<Topic>> topics_ ABSL_GUARDED_BY(mu_);
  bool poll_now_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<int> open_streams_{0};
  std::thread poller_;
};

struct MessageHub::Topic {
  std::string tenant_id, service_request_id;
  int subscribers = 0;
  long long seq = 0;  // of the newest buffered message
  std::deque<std::pair<long long, sql::MessageRow>> buffer;
  std::set<std::string> seen;  // ids at or after `cursor`
  std::string cursor;          // polls read ids after this
};

}  // namespace cases::domain

#endif  // CASES_DOMAIN_MESSAGE_HUB_H_
