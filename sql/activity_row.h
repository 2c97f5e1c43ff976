// One entry of the change feed (sql/activities.h), as a transaction records it on
// its lease and as the feed's readers get it.
#ifndef CASES_SQL_ACTIVITY_ROW_H_
#define CASES_SQL_ACTIVITY_ROW_H_

#include <string>

#include "absl/time/time.h"

namespace cases::sql {

struct ActivityRow {
  std::string tenant_id;
  std::string activity_id;  // 16 bytes; set when written
  int type = 0;             // soc.cases.v1.ActivityType
  // soc.cases.v1.Product whose readers may see it; 0: every reader of the tenant.
  int product = 0;
  std::string resource;  // the changed resource's name
  std::string actor;
  absl::Time create_time;
  // soc.cases.v1.Activity in protobuf binary: changes and the resource state.
  std::string payload;
};

}  // namespace cases::sql

#endif  // CASES_SQL_ACTIVITY_ROW_H_
