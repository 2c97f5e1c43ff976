// A bounded pool of Connector/C++ connections with a bounded wait.
//
// Callers borrow a Lease, prepare statements through it (cached per connection,
// so a hot statement is prepared once per connection, not once per call) and
// give it back by destroying the lease. A connection that failed with a
// connection-level error is marked broken and replaced on the next borrow, so a
// restarted server costs the callers in flight an UNAVAILABLE, never a crash.
//
// With several hosts (a Galera cluster, every node taking writes) the pool uses
// one at a time, the current host. When a connection to it is lost, or the node
// says it is not ready (Galera: wsrep_ready OFF, error 1047), its idle connections
// are dropped and new ones go to the current host if it answers and is ready, else
// to the next host in the DSN's order that does. A recovered host is used again
// only when the current one fails: no flapping between nodes.
#ifndef CASES_SQL_POOL_H_
#define CASES_SQL_POOL_H_

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/sync.h"
#include "sql/activity_row.h"
#include "sql/dsn.h"

namespace cases::sql {

struct PoolOptions {
  // How long Acquire waits for a free connection before giving up.
  absl::Duration acquire_timeout = absl::Seconds(2);
  // Connect, read and write timeouts of each connection.
  absl::Duration connect_timeout = absl::Seconds(3);
  absl::Duration io_timeout = absl::Seconds(30);
  // An idle connection older than this is pinged before it is handed out.
  absl::Duration validate_after = absl::Seconds(1);
};

struct PoolStats {
  int size = 0;    // connections open (idle + in use)
  int in_use = 0;  // connections lent out
  int max_size = 0;
  long long acquires = 0;             // connections lent out, ever
  long long waits = 0;                // acquires that had to wait
  long long timeouts = 0;             // acquires that gave up
  absl::Duration wait_time;           // total time spent waiting
  absl::Duration longest_wait;        // the longest single wait, served or not
  long long statements_cached = 0;    // prepared statements kept on open connections
  long long statements_prepared = 0;  // prepares sent to the server, cached or not
  size_t current_host = 0;            // index into DbConfig::hosts
  long long failovers = 0;            // times the current host changed
};

class ConnectionPool;

// One connection with its prepared statements.
struct PooledConnection {
  std::unique_ptr<::sql::Connection> connection;
  absl::flat_hash_map<std::string, std::unique_ptr<::sql::PreparedStatement>> statements;
  absl::Time last_used;
  size_t host = 0;  // index into DbConfig::hosts
};

// A borrowed connection; returned to the pool when destroyed.
class Lease {
 public:
  Lease(Lease&& other) noexcept;
  Lease& operator=(Lease&&) = delete;
  Lease(const Lease&) = delete;
  ~Lease();

  ::sql::Connection& connection() { return *conn_->connection; }
  // A prepared statement for `query`, prepared on first use on this connection and
  // cached there (long multi-row texts only for this lease).
  // Its parameters are whatever the previous user left: set every one.
  ::sql::PreparedStatement& Prepare(const std::string& query);
  // The same for a text that repeats a group `repeats` times (an IN list, a
  // multi-row insert): with one repeat it is cached like any other; with more it is
  // prepared for this lease only, so a connection's cache holds a fixed set of
  // texts instead of one per count the data happens to bring. (Counts that are not
  // the data's — GroupRunner's groups — use Prepare: they come in a few sizes.)
  ::sql::PreparedStatement& PrepareRepeated(const std::string& query, size_t repeats);
  // The connection must not go back to the pool (lost, or in an unknown state).
  void MarkBroken() { broken_ = true; }
  // What the open transaction recorded for the change feed (sql/activities.h).
  std::vector<ActivityRow>& activities() { return activities_; }

 private:
  friend class ConnectionPool;
  ::sql::PreparedStatement& PrepareForThisLease(const std::string& query);
  Lease(ConnectionPool* pool, std::unique_ptr<PooledConnection> conn)
      : pool_(pool), conn_(std::move(conn)) {}
  ConnectionPool* pool_;
  std::unique_ptr<PooledConnection> conn_;
  std::vector<std::unique_ptr<::sql::PreparedStatement>> one_shot_;  // closed with the lease
  std::vector<ActivityRow> activities_;
  bool broken_ = false;
};

class ConnectionPool {
 public:
  ConnectionPool(DbConfig config, PoolOptions options);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // A connection, waiting up to acquire_timeout for one to be free. Waiters are
  // served first come, first served, and a caller arriving while others wait queues
  // behind them even if a connection is free at that instant.
  // UNAVAILABLE (with RetryInfo) when none frees up in time or the server is unreachable.
  absl::StatusOr<Lease> Acquire();

  PoolStats Stats() const;
  const DbConfig& config() const { return config_; }

  // Called after each COMMIT that wrote activities, with their tenants and how many
  // it wrote (the live streams' wake-up on this replica). Set once, before use.
  using CommitListener =
      std::function<void(const std::vector<std::string>& tenant_ids, size_t written)>;
  void set_commit_listener(CommitListener listener) { commit_listener_ = std::move(listener); }
  const CommitListener& commit_listener() const { return commit_listener_; }

  // Opens a connection outside any pool (migrations, tests): to the first host
  // that answers and is ready.
  static absl::StatusOr<std::unique_ptr<::sql::Connection>> Connect(const DbConfig& config,
                                                                    const PoolOptions& options);

  // How /metrics names each host: "host:port", or "unix:PATH" over a socket.
  std::vector<std::string> HostLabels() const;

 private:
  friend class Lease;
  // A connection to the current host, or to the next one that answers and is
  // ready (which becomes current).
  absl::StatusOr<std::unique_ptr<PooledConnection>> ConnectCurrent();
  void Release(std::unique_ptr<PooledConnection> conn, bool broken);
  // Closes connections (outside the lock), forgetting their cached statements.
  void Close(std::unique_ptr<PooledConnection> conn);
  void Close(std::vector<std::unique_ptr<PooledConnection>> conns);
  // Removes the idle connections to `host`, to be closed outside the lock.
  std::vector<std::unique_ptr<PooledConnection>> TakeIdle(size_t host)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // A caller queued in Acquire. Dispatch hands it an idle connection, or a reserved
  // slot to open one in (granted with `conn` empty), and wakes it alone.
  struct Waiter {
    std::condition_variable cv;
    std::unique_ptr<PooledConnection> conn;
    bool granted = false;
  };
  bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !idle_.empty() || size_ < config_.pool_size;
  }
  // Lends out an idle connection or reserves a slot (then returns null).
  std::unique_ptr<PooledConnection> Lend() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Serves queued waiters, oldest first, while there is room.
  void Dispatch() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const DbConfig config_;
  const PoolOptions options_;
  CommitListener commit_listener_;
  mutable Mutex mu_;
  std::vector<std::unique_ptr<PooledConnection>> idle_ ABSL_GUARDED_BY(mu_);
  std::deque<Waiter*> waiters_ ABSL_GUARDED_BY(mu_);  // oldest first
  int size_ ABSL_GUARDED_BY(mu_) = 0;
  int in_use_ ABSL_GUARDED_BY(mu_) = 0;
  long long acquires_ ABSL_GUARDED_BY(mu_) = 0;
  long long waits_ ABSL_GUARDED_BY(mu_) = 0;
  long long timeouts_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration wait_time_ ABSL_GUARDED_BY(mu_);
  absl::Duration longest_wait_ ABSL_GUARDED_BY(mu_);
  size_t current_host_ ABSL_GUARDED_BY(mu_) = 0;
  long long failovers_ ABSL_GUARDED_BY(mu_) = 0;
  // Counted by leases outside the lock.
  std::atomic<long long> statements_cached_{0};
  std::atomic<long long> statements_prepared_{0};
};

// True for Connector/C++ error codes that mean the connection itself is gone, or
// that its server cannot serve (Galera's 1047: the node is not synced): the
// connection is dropped and the statement was not applied.
bool IsConnectionError(int mysql_error_code);

}  // namespace cases::sql

#endif  // CASES_SQL_POOL_H_
