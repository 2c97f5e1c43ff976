// absl::Time ↔ google.protobuf.Timestamp, absl::Duration → Duration at the API edge.
#ifndef CASES_COMMON_PROTO_TIME_H_
#define CASES_COMMON_PROTO_TIME_H_

#include <cstdint>
#include <utility>

#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace cases {

// Whole Unix seconds (floored) and the microseconds past them (0..999 999).
inline std::pair<int64_t, int64_t> UnixSecondsAndMicros(absl::Time t) {
  const int64_t micros = absl::ToUnixMicros(t);
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  return {seconds, rest};
}

inline void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  const auto [seconds, micros] = UnixSecondsAndMicros(t);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(micros * 1000));
}

inline void SetDuration(absl::Duration d, google::protobuf::Duration* out) {
  const int64_t nanos = absl::ToInt64Nanoseconds(d);
  out->set_seconds(nanos / 1000000000);
  out->set_nanos(static_cast<int32_t>(nanos % 1000000000));
}

inline absl::Time FromTimestamp(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

}  // namespace cases

#endif  // CASES_COMMON_PROTO_TIME_H_
