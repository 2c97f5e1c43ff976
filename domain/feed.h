// A live stream's source, driven by its transport: StreamActivities and
// StreamMessages are opened as a Feed, then asked for what is ready whenever the
// transport can send more. A feed never waits for new items: its hub
// subscription calls the transport's waker when there may be some, so an open
// stream holds a socket and a buffer, not a thread.
//
//   ASSIGN_OR_RETURN(auto feed, activities.Open(call, start_after, filter, waker));
//   std::vector<v1::Activity> ready;
//   bool caught_up = false;
//   absl::Status s = feed->Next(&ready, &caught_up);  // OK and empty: wait for the waker
#ifndef CASES_DOMAIN_FEED_H_
#define CASES_DOMAIN_FEED_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/errors.h"

namespace cases::domain {

// Rows a feed reads from its backlog per Next.
inline constexpr int kBacklogBatch = 500;

template <typename T>
class Feed {
 public:
  virtual ~Feed() = default;
  // Appends what is ready to `out`: the next part of the backlog (this may read
  // the database), else what the subscription holds (never waiting). OK with
  // nothing appended: call again after the waker runs. `caught_up` says whether
  // what it appended is everything there was: true when it took the subscription
  // (everything the hub held for it), so the next call is due only after the
  // waker runs again; false after a part of the backlog, so call again once it is
  // sent. Any other status ends the stream, with nothing appended: UNAVAILABLE
  // when the server drains, RESOURCE_EXHAUSTED (STREAM_BEHIND) when the reader
  // fell behind the hub's buffer, both with RetryInfo and the point to resume from.
  virtual absl::Status Next(std::vector<T>* out, bool* caught_up) = 0;
};

// How a feed ends when its hub subscription does (OK while it does not): the
// server drains (`closed`): UNAVAILABLE; the reader fell behind the hub's buffer
// (`overflow`): RESOURCE_EXHAUSTED, reason STREAM_BEHIND, metadata `resume_after`
// (the name of the last item the feed passed). Both with RetryInfo.
inline absl::Status SubscriptionEnd(bool closed, bool overflow, const std::string& resume_after) {
  if (closed) {
    return Unavailable("the server is draining; reconnect with start_after", absl::Seconds(1));
  }
  if (overflow) {
    return WithRetryInfo(
        ErrorWithReason(absl::StatusCode::kResourceExhausted, "STREAM_BEHIND",
                        "the stream fell behind; reconnect with start_after = resume_after",
                        {{"resume_after", resume_after}}),
        absl::Milliseconds(100));
  }
  return absl::OkStatus();
}

}  // namespace cases::domain

#endif  // CASES_DOMAIN_FEED_H_
