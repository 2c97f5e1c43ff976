// Resource ids: UUIDv7 (time-ordered, so new rows land at the end of B-tree
// indexes), lower-case text in resource names, 16 raw bytes in MySQL BINARY(16).
#ifndef CASES_COMMON_IDS_H_
#define CASES_COMMON_IDS_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace cases {

// A new UUIDv7 as 16 raw bytes, for the given time (default: now).
std::string NewIdBytes(absl::Time now = absl::Now());

// 16 raw bytes → `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower case.
std::string IdToText(absl::string_view bytes);

// Canonical text form → 16 raw bytes; nullopt unless it is exactly that form
// (36 characters, lower-case hex, dashes at 8, 13, 18, 23).
std::optional<std::string> IdFromText(absl::string_view text);

// The smallest UUIDv7 of the millisecond of `t`: every id made before `t` sorts below it.
std::string IdFloor(absl::Time t);

// A new id in text form.
inline std::string NewIdText() { return IdToText(NewIdBytes()); }

}  // namespace cases

#endif  // CASES_COMMON_IDS_H_
