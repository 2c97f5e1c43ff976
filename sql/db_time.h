// DATETIME(6) values in UTC, as text (Connector/C++ binds them as strings).
#ifndef CASES_SQL_DB_TIME_H_
#define CASES_SQL_DB_TIME_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace cases::sql {

// "2026-11-22 16:03:26.878857", microsecond precision.
std::string FormatDbTime(absl::Time t);
// The inverse; absl::InfinitePast() for an unparsable value.
absl::Time ParseDbTime(absl::string_view text);
// Time truncated to what the database keeps, so values round-trip exactly.
absl::Time DbNow();
// What a NOT NULL deadline column holds for "no deadline": 9999-12-31, which
// sorts after every real deadline (sql/migrations/0005_sla_deadlines.sql).
absl::Time NoDeadline();

}  // namespace cases::sql

#endif  // CASES_SQL_DB_TIME_H_
