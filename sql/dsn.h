// The database address of the operator interface:
//   mysql://USER[:PASSWORD]@HOST[:PORT][,HOST[:PORT]...]/DATABASE[?socket=/path/to/sock&pool=N]
// Several hosts name the nodes of a cluster that all take writes (MariaDB Galera):
// the pool uses one at a time and moves on when it is lost (sql/pool.h).
#ifndef CASES_SQL_DSN_H_
#define CASES_SQL_DSN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cases::sql {

struct DbHost {
  std::string host;
  int port = 3306;
  bool operator==(const DbHost& other) const { return host == other.host && port == other.port; }
};

struct DbConfig {
  std::string user;
  std::string password;
  std::vector<DbHost> hosts = {{"127.0.0.1", 3306}};  // at least one, in the DSN's order
  std::string database;
  std::string socket;  // unix socket path; when set, host and port are ignored
  int pool_size = 16;
};

// Parses a DSN. User, at least one host and database are required; user and
// password may be percent-encoded; an IPv6 host is written in brackets ([::1]:3306).
// Errors name the part that is wrong, never the password.
absl::StatusOr<DbConfig> ParseDsn(absl::string_view dsn);

// The DSN again, with the password left out: safe for logs.
std::string RedactedDsn(const DbConfig& config);
// The DSN again, password included (percent-encoded): ParseDsn reads it back.
std::string FormatDsn(const DbConfig& config);

// "host:port", "[v6]:port": how logs and metrics name a host.
std::string HostLabel(const DbHost& host);

}  // namespace cases::sql

#endif  // CASES_SQL_DSN_H_
