#include "sql/migrate.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <memory>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "sql/pool.h"

namespace cases::sql {
namespace {

constexpr int kLockTimeoutSeconds = 120;

constexpr char kCreateMigrationsTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INT NOT NULL PRIMARY KEY,"
    " name VARCHAR(128) NOT NULL,"
    " applied_at DATETIME(6) NOT NULL"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

// Releases the advisory lock however Migrate leaves.
class AdvisoryLock {
 public:
  AdvisoryLock(::sql::Connection* conn, std::string name) : conn_(conn), name_(std::move(name)) {}
  ~AdvisoryLock() {
    if (!held_) {
      return;
    }
    try {
      std::unique_ptr<::sql::PreparedStatement> release(
          conn_->prepareStatement("SELECT RELEASE_LOCK(?)"));
      release->setString(1, name_);
      std::unique_ptr<::sql::ResultSet> rs(release->executeQuery());
    } catch (const ::sql::SQLException&) {
      // The lock dies with the connection anyway.
    }
  }
  bool Acquire() {
    std::unique_ptr<::sql::PreparedStatement> get(conn_->prepareStatement("SELECT GET_LOCK(?, ?)"));
    get->setString(1, name_);
    get->setInt(2, kLockTimeoutSeconds);
    std::unique_ptr<::sql::ResultSet> rs(get->executeQuery());
    held_ = rs->next() && !rs->isNull(1) && rs->getInt(1) == 1;
    return held_;
  }

 private:
  ::sql::Connection* conn_;
  std::string name_;
  bool held_ = false;
};

}  // namespace

std::vector<std::string> SplitStatements(const std::string& script) {
  std::vector<std::string> out;
  std::string current;
  char quote = 0;
  for (size_t i = 0; i < script.size(); ++i) {
    const char c = script[i];
    if (quote != 0) {
      current.push_back(c);
      if (c == '\\' && i + 1 < script.size()) {
        current.push_back(script[++i]);
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '-' && i + 1 < script.size() && script[i + 1] == '-') {
      while (i < script.size() && script[i] != '\n') {
        ++i;
      }
      current.push_back('\n');
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') {
      quote = c;
      current.push_back(c);
      continue;
    }
    if (c == ';') {
      std::string stmt(absl::StripAsciiWhitespace(current));
      if (!stmt.empty()) {
        out.push_back(std::move(stmt));
      }
      current.clear();
      continue;
    }
    current.push_back(c);
  }
  std::string last(absl::StripAsciiWhitespace(current));
  if (!last.empty()) {
    out.push_back(std::move(last));
  }
  return out;
}

absl::StatusOr<std::vector<int>> Migrate(const DbConfig& config) {
  PoolOptions options;
  options.io_timeout = absl::Seconds(600);
  ASSIGN_OR_RETURN(auto conn, ConnectionPool::Connect(config, options));
  std::vector<int> applied_now;
  try {
    AdvisoryLock lock(conn.get(), absl::StrCat("cases_migrate:", config.database));
    if (!lock.Acquire()) {
      return absl::DeadlineExceededError("another migration holds the lock");
    }
    std::unique_ptr<::sql::Statement> stmt((conn)->createStatement());
    stmt->execute(kCreateMigrationsTable);
    std::set<int> applied;
    {
      std::unique_ptr<::sql::ResultSet> rs(
          stmt->executeQuery("SELECT version FROM schema_migrations"));
      while (rs->next()) {
        applied.insert(rs->getInt(1));
      }
    }
    for (const Migration& m : AllMigrations()) {
      if (applied.count(m.version) != 0) {
        continue;
      }
      Log(LogLevel::kInfo, "applying migration", {{"version", m.version}, {"name", m.name}});
      for (const std::string& statement : SplitStatements(m.sql)) {
        stmt->execute(statement);
      }
      std::unique_ptr<::sql::PreparedStatement> record(
          (conn)->prepareStatement("INSERT INTO schema_migrations (version, name, applied_at) "
                                   "VALUES (?, ?, UTC_TIMESTAMP(6))"));
      record->setInt(1, m.version);
      record->setString(2, m.name);
      record->execute();
      applied_now.push_back(m.version);
    }
  } catch (const ::sql::SQLException& e) {
    Log(LogLevel::kError, "migration failed", {{"code", e.getErrorCode()}, {"error", e.what()}});
    return absl::InternalError(absl::StrCat("migration failed: ", e.what()));
  }
  return applied_now;
}

}  // namespace cases::sql
