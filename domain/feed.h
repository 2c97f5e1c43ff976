// A live stream's source, driven by its transport: StreamActivities and
// StreamMessages are opened as a Feed, then asked for what is ready whenever the
// transport can send more. A feed never waits for new items: its hub
// subscription calls the transport's waker when there may be some, so an open
// stream holds a socket and a buffer, not a thread.
//
//   ASSIGN_OR_RETURN(auto feed, activities.Open(call, start_after, filter, waker));
//   std::vector<v1::Activity> ready;
//   absl::Status s = feed->Next(&ready);  // OK and empty: wait for the waker
#ifndef CASES_DOMAIN_FEED_H_
#define CASES_DOMAIN_FEED_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace cases::domain {

// Rows a feed reads from its backlog per Next.
inline constexpr int kBacklogBatch = 500;

template <typename T>
class Feed {
 public:
  virtual ~Feed() = default;
  // Appends what is ready to `out`: the next part of the backlog (this may read
  // the database), else what the subscription holds (never waiting). OK with
  // nothing appended: call again after the waker runs. Any other status ends the
  // stream, with nothing appended: UNAVAILABLE when the server drains,
  // RESOURCE_EXHAUSTED (STREAM_BEHIND) when the reader fell behind the hub's
  // buffer, both with RetryInfo and the point to resume from.
  virtual absl::Status Next(std::vector<T>* out) = 0;
};

}  // namespace cases::domain

#endif  // CASES_DOMAIN_FEED_H_
