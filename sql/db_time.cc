#include "sql/db_time.h"

#include "absl/time/clock.h"

namespace cases::sql {

std::string FormatDbTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S", t, absl::UTCTimeZone());
}

absl::Time ParseDbTime(absl::string_view text) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime("%Y-%m-%d %H:%M:%E*S", std::string(text), absl::UTCTimeZone(), &t, &err)) {
    return absl::InfinitePast();
  }
  return t;
}

absl::Time DbNow() { return absl::FromUnixMicros(absl::ToUnixMicros(absl::Now())); }

absl::Time NoDeadline() {
  return absl::FromCivil(absl::CivilSecond(9999, 12, 31, 0, 0, 0), absl::UTCTimeZone());
}

}  // namespace cases::sql
