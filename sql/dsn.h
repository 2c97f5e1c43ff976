// The database address of the operator interface:
//   mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?socket=/path/to/sock&pool=N]
#ifndef CASES_SQL_DSN_H_
#define CASES_SQL_DSN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cases::sql {

struct DbConfig {
  std::string user;
  std::string password;
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string database;
  std::string socket;  // unix socket path; when set, host and port are ignored
  int pool_size = 16;
};

// Parses a DSN. User, host and database are required; user and password may be
// percent-encoded. Errors name the part that is wrong, never the password.
absl::StatusOr<DbConfig> ParseDsn(absl::string_view dsn);

// The DSN again, with the password left out: safe for logs.
std::string RedactedDsn(const DbConfig& config);

}  // namespace cases::sql

#endif  // CASES_SQL_DSN_H_
