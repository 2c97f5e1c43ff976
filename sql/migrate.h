// Schema migrations: numbered SQL files (sql/migrations/NNNN_name.sql), embedded
// in the binary at build time and applied in order under a MySQL advisory lock,
// each recorded in schema_migrations. Safe to run twice or from two processes at once.
#ifndef CASES_SQL_MIGRATE_H_
#define CASES_SQL_MIGRATE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sql/dsn.h"

namespace cases::sql {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Every migration of this build, by ascending version.
const std::vector<Migration>& AllMigrations();

// Splits a migration into statements at `;` outside quotes and comments.
std::vector<std::string> SplitStatements(const std::string& script);

// Applies what is missing; returns the versions applied by this call.
absl::StatusOr<std::vector<int>> Migrate(const DbConfig& config);

}  // namespace cases::sql

#endif  // CASES_SQL_MIGRATE_H_
