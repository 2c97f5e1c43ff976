// The one way to talk to the database: borrow a connection, run a function,
// map any Connector/C++ exception to an absl::Status once, here.
//
//   absl::Status s = RunInTransaction(pool, [&](Lease& db) -> absl::Status {
//     auto& insert = db.Prepare("INSERT INTO cases (tenant_id, ...) VALUES (?, ...)");
//     ...
//     return absl::OkStatus();
//   });
//
// A transaction that fails with a deadlock or lock wait timeout is retried from
// the start (the function must be safe to run again); one that loses its
// connection before COMMIT is retried once on a fresh connection; a lost COMMIT
// is UNAVAILABLE, because whether it landed is unknown (request_id makes the retry safe).
#ifndef CASES_SQL_TRANSACTION_H_
#define CASES_SQL_TRANSACTION_H_

#include <functional>
#include <initializer_list>
#include <string>

#include "absl/status/status.h"
#include "sql/pool.h"

namespace cases::sql {

using DbFunction = std::function<absl::Status(Lease&)>;

// Runs `fn` in one transaction; commits when it returns OK, rolls back otherwise.
absl::Status RunInTransaction(ConnectionPool& pool, const DbFunction& fn);

// Runs `fn` with autocommit on (single-statement reads and writes).
absl::Status RunQuery(ConnectionPool& pool, const DbFunction& fn);

// RunQuery for a function that computes a value: the value, or the status of the
// function or of the database.
template <typename T, typename Fn>
absl::StatusOr<T> QueryValue(ConnectionPool& pool, Fn fn) {
  absl::StatusOr<T> result = absl::UnknownError("query did not run");
  absl::Status status = RunQuery(pool, [&](Lease& db) -> absl::Status {
    result = fn(db);
    return result.status();
  });
  if (!status.ok()) {
    return status;
  }
  return result;
}

// RunInTransaction for a function that computes a value (the created or changed
// row): the value once committed, or the status that rolled it back.
template <typename T, typename Fn>
absl::StatusOr<T> TransactionValue(ConnectionPool& pool, Fn fn) {
  absl::StatusOr<T> result = absl::UnknownError("transaction did not run");
  absl::Status status = RunInTransaction(pool, [&](Lease& db) -> absl::Status {
    result = fn(db);
    return result.status();
  });
  if (!status.ok()) {
    return status;
  }
  return result;
}

// Maps a Connector/C++ error code to a status for the caller; the SQL text and
// server message go to the log only.
absl::Status StatusFromSqlError(int code, const char* what);

// Runs each statement, in order, with its two parameters bound to `tenant_id` and
// `id` ("DELETE FROM t WHERE tenant_id = ? AND x_id = ?").
void ExecuteForKey(Lease& db, std::initializer_list<const char*> statements,
                   const std::string& tenant_id, const std::string& id);

// MySQL error codes the stores switch on.
inline constexpr int kErDupEntry = 1062;
inline constexpr int kErLockDeadlock = 1213;
inline constexpr int kErLockWaitTimeout = 1205;

}  // namespace cases::sql

#endif  // CASES_SQL_TRANSACTION_H_
