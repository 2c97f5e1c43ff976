#include "sql/transaction.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/statement.h>

#include <random>

#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "sql/activities.h"

namespace cases::sql {
namespace {

constexpr int kMaxConflictRetries = 4;

// A jittered pause before retrying a conflict (a deadlock, or on Galera a write set that
// lost certification to one committed on another node), doubling with each attempt, so
// the colliding writers do not collide again in lockstep: up to 2, 4, 8, 16 ms.
absl::Duration ConflictBackoff(int attempt) {
  thread_local std::minstd_rand random(std::random_device{}());
  std::uniform_int_distribution<int> micros(0, 2000 << attempt);
  return absl::Microseconds(micros(random));
}

enum class Phase { kBody, kCommit };

// Transaction control goes through a statement: Connector/C++ 1.1's
// Connection::commit() and rollback() ignore mysql_commit's error, so a COMMIT
// lost with its connection would look like a successful one.
void ExecuteControl(Lease& lease, const char* sql) {
  std::unique_ptr<::sql::Statement> statement(lease.connection().createStatement());
  statement->execute(sql);
}

// Ends a transaction that is not to be kept. If even that fails, the connection
// is dropped, which makes the server roll back; the caller's own error stands.
void RollBack(Lease& lease) {
  try {
    ExecuteControl(lease, "ROLLBACK");
  } catch (const ::sql::SQLException&) {
    lease.MarkBroken();
  }
}

absl::Status RunOnce(ConnectionPool& pool, const DbFunction& fn, bool transactional,
                     int* error_code, Phase* phase) {
  *error_code = 0;
  *phase = Phase::kBody;
  ASSIGN_OR_RETURN(auto lease, pool.Acquire());
  try {
    // Connections stay in autocommit mode; an explicit transaction costs one round
    // trip to open and one to end, instead of three for toggling autocommit.
    if (transactional) {
      ExecuteControl(lease, "START TRANSACTION");
    }
    lease.activities().clear();
    absl::Status status = fn(lease);
    if (transactional) {
      if (status.ok()) {
        // The change feed's rows are the transaction's last statements (sql/activities.h).
        const size_t written = lease.activities().size();
        const std::vector<std::string> tenants = WriteRecordedActivities(lease);
        *phase = Phase::kCommit;
        ExecuteControl(lease, "COMMIT");
        if (!tenants.empty() && pool.commit_listener()) {
          pool.commit_listener()(tenants, written);
        }
      } else {
        RollBack(lease);
      }
    } else if (!lease.activities().empty()) {
      // A change outside a transaction would have no atomic activity: a bug, not data.
      return absl::InternalError("activities recorded outside a transaction");
    }
    return status;
  } catch (const ::sql::SQLException& e) {
    *error_code = e.getErrorCode();
    if (IsConnectionError(*error_code)) {
      lease.MarkBroken();
    } else if (transactional) {
      RollBack(lease);
    }
    return StatusFromSqlError(*error_code, e.what());
  }
}

absl::Status Run(ConnectionPool& pool, const DbFunction& fn, bool transactional) {
  bool reconnected = false;
  for (int attempt = 0;; ++attempt) {
    int code = 0;
    Phase phase = Phase::kBody;
    absl::Status status = RunOnce(pool, fn, transactional, &code, &phase);
    if (status.ok() || code == 0) {
      return status;
    }
    const bool conflict = code == kErLockDeadlock || code == kErLockWaitTimeout;
    if (conflict && attempt < kMaxConflictRetries) {
      absl::SleepFor(ConflictBackoff(attempt));
      continue;
    }
    // A connection that died while idle shows up on the first statement; the
    // server rolled the transaction back, so one more try on a fresh one is safe.
    if (IsConnectionError(code) && phase == Phase::kBody && !reconnected) {
      reconnected = true;
      continue;
    }
    return status;
  }
}

}  // namespace

absl::Status StatusFromSqlError(int code, const char* what) {
  Log(LogLevel::kWarning, "sql error", {{"code", code}, {"error", what}});
  if (IsConnectionError(code)) {
    return Unavailable("database unavailable", absl::Seconds(1));
  }
  if (code == kErLockDeadlock || code == kErLockWaitTimeout) {
    return ErrorWithReason(absl::StatusCode::kAborted, "CONCURRENT_UPDATE",
                           "the change collided with another one; retry");
  }
  return absl::InternalError("internal database error");
}

void ExecuteForKey(Lease& db, std::initializer_list<const char*> statements,
                   const std::string& tenant_id, const std::string& id) {
  for (const char* sql : statements) {
    auto& stmt = db.Prepare(sql);
    stmt.setString(1, tenant_id);
    stmt.setString(2, id);
    stmt.execute();
  }
}

absl::Status RunInTransaction(ConnectionPool& pool, const DbFunction& fn) {
  return Run(pool, fn, /*transactional=*/true);
}

absl::Status RunQuery(ConnectionPool& pool, const DbFunction& fn) {
  return Run(pool, fn, /*transactional=*/false);
}

}  // namespace cases::sql
