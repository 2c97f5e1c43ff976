#include "sql/pool.h"

#include <cppconn/driver.h>
#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/log.h"

namespace cases::sql {
namespace {

// Connector/C++ wants driver-level per-thread set-up on every thread that uses
// it; gRPC threads come and go, so each registers itself on first use.
::sql::Driver* DriverForThisThread() {
  static ::sql::Driver* driver = get_driver_instance();
  struct ThreadRegistration {
    ThreadRegistration() { driver->threadInit(); }
    ~ThreadRegistration() { driver->threadEnd(); }
  };
  thread_local ThreadRegistration registration;
  return driver;
}

constexpr size_t kMaxCachedStatements = 256;
// Multi-row statements (an ingest batch: thousands of placeholders) are not cached:
// each keeps a bind buffer per placeholder, per connection, for as long as it is cached.
constexpr size_t kMaxCachedStatementBytes = 4096;
constexpr absl::Duration kRetryAfterPoolTimeout = absl::Milliseconds(200);
constexpr absl::Duration kRetryAfterConnectFailure = absl::Seconds(1);

std::string Label(const DbConfig& config, size_t host) {
  return config.socket.empty() ? HostLabel(config.hosts[host]) : "unix:" + config.socket;
}

// Galera: a node that is not synced (wsrep_ready OFF) refuses queries with 1047;
// on a cluster, reads wait until this node has applied what the cluster committed
// before them (wsrep_sync_wait), so a read after a write on another node sees it.
// False when the node cannot serve. A server without wsrep passes.
bool ReadyForUse(::sql::Connection& conn) {
  std::unique_ptr<::sql::Statement> stmt(conn.createStatement());
  std::unique_ptr<::sql::ResultSet> on(stmt->executeQuery("SHOW VARIABLES LIKE 'wsrep_on'"));
  if (!on->next() || on->getString(2) != "ON") {
    return true;
  }
  std::unique_ptr<::sql::ResultSet> ready(stmt->executeQuery("SHOW STATUS LIKE 'wsrep_ready'"));
  if (!ready->next() || ready->getString(2) != "ON") {
    return false;
  }
  stmt->execute("SET SESSION wsrep_sync_wait = 1");
  return true;
}

absl::StatusOr<std::unique_ptr<::sql::Connection>> ConnectHost(const DbConfig& config, size_t host,
                                                               const PoolOptions& options) {
  ::sql::Driver* driver = DriverForThisThread();
  ::sql::ConnectOptionsMap props;
  if (!config.socket.empty()) {
    props["socket"] = ::sql::SQLString(config.socket);
    props["hostName"] = ::sql::SQLString("localhost");
  } else {
    props["hostName"] = ::sql::SQLString(config.hosts[host].host);
    props["port"] = config.hosts[host].port;
  }
  props["userName"] = ::sql::SQLString(config.user);
  props["password"] = ::sql::SQLString(config.password);
  props["schema"] = ::sql::SQLString(config.database);
  props["OPT_CONNECT_TIMEOUT"] = static_cast<int>(absl::ToInt64Seconds(options.connect_timeout));
  props["OPT_READ_TIMEOUT"] = static_cast<int>(absl::ToInt64Seconds(options.io_timeout));
  props["OPT_WRITE_TIMEOUT"] = static_cast<int>(absl::ToInt64Seconds(options.io_timeout));
  props["OPT_CHARSET_NAME"] = ::sql::SQLString("utf8mb4");
  props["OPT_RECONNECT"] = false;
  const std::string label = Label(config, host);
  try {
    std::unique_ptr<::sql::Connection> conn(driver->connect(props));
    if (!ReadyForUse(*conn)) {
      Log(LogLevel::kWarning, "db host not ready (wsrep_ready OFF)", {{"host", label}});
      return Unavailable("database unavailable", kRetryAfterConnectFailure);
    }
    std::unique_ptr<::sql::Statement> stmt(conn->createStatement());
    // UTC for DATETIME values; READ COMMITTED so locking reads take no gap locks.
    stmt->execute("SET time_zone = '+00:00'");
    stmt->execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    return conn;
  } catch (const ::sql::SQLException& e) {
    Log(LogLevel::kWarning, "db connect failed",
        {{"error", e.what()}, {"code", e.getErrorCode()}, {"host", label}});
    return Unavailable("database unavailable", kRetryAfterConnectFailure);
  }
}

}  // namespace

bool IsConnectionError(int code) {
  // 2002/2003 can't connect, 2006 gone away, 2013 lost during query,
  // 2055 lost at reading, 1927 connection killed, 1053 server shutdown in progress,
  // 1047 (Galera) the node is not ready: not part of the primary component.
  return code == 2002 || code == 2003 || code == 2006 || code == 2013 || code == 2055 ||
         code == 1927 || code == 1053 || code == 1047;
}

Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_),
      conn_(std::move(other.conn_)),
      one_shot_(std::move(other.one_shot_)),
      activities_(std::move(other.activities_)),
      broken_(other.broken_) {
  other.pool_ = nullptr;
}

Lease::~Lease() {
  one_shot_.clear();
  if (pool_ != nullptr && conn_ != nullptr) {
    pool_->Release(std::move(conn_), broken_);
  }
}

::sql::PreparedStatement& Lease::PrepareForThisLease(const std::string& query) {
  one_shot_.emplace_back(conn_->connection->prepareStatement(query));
  ++pool_->statements_prepared_;
  return *one_shot_.back();
}

::sql::PreparedStatement& Lease::PrepareRepeated(const std::string& query, size_t repeats) {
  return repeats <= 1 ? Prepare(query) : PrepareForThisLease(query);
}

::sql::PreparedStatement& Lease::Prepare(const std::string& query) {
  if (query.size() > kMaxCachedStatementBytes) {
    return PrepareForThisLease(query);
  }
  auto it = conn_->statements.find(query);
  if (it == conn_->statements.end()) {
    // Filters make statement texts vary; bound the per-connection cache.
    if (conn_->statements.size() >= kMaxCachedStatements) {
      pool_->statements_cached_ -= static_cast<long long>(conn_->statements.size());
      conn_->statements.clear();
    }
    std::unique_ptr<::sql::PreparedStatement> stmt(conn_->connection->prepareStatement(query));
    ++pool_->statements_prepared_;
    it = conn_->statements.emplace(query, std::move(stmt)).first;
    ++pool_->statements_cached_;
  }
  return *it->second;
}

ConnectionPool::ConnectionPool(DbConfig config, PoolOptions options)
    : config_(std::move(config)), options_(options) {
  DriverForThisThread();
}

ConnectionPool::~ConnectionPool() {
  MutexLock lock(&mu_);
  idle_.clear();
}

absl::StatusOr<std::unique_ptr<::sql::Connection>> ConnectionPool::Connect(
    const DbConfig& config, const PoolOptions& options) {
  absl::Status last;
  for (size_t i = 0; i < config.hosts.size(); ++i) {
    auto conn = ConnectHost(config, i, options);
    if (conn.ok()) {
      return conn;
    }
    last = conn.status();
  }
  return last;
}

absl::StatusOr<std::unique_ptr<PooledConnection>> ConnectionPool::ConnectCurrent() {
  size_t current;
  {
    MutexLock lock(&mu_);
    current = current_host_;
  }
  absl::Status last;
  const size_t n = config_.hosts.size();
  for (size_t step = 0; step < n; ++step) {
    const size_t host = (current + step) % n;
    auto connection = ConnectHost(config_, host, options_);
    if (!connection.ok()) {
      last = connection.status();
      continue;
    }
    auto conn = std::make_unique<PooledConnection>();
    conn->connection = std::move(*connection);
    conn->host = host;
    if (step == 0) {
      return conn;
    }
    std::vector<std::unique_ptr<PooledConnection>> stale;
    bool moved = false;
    {
      MutexLock lock(&mu_);
      if (current_host_ == current) {  // the first caller to get here moves the pool
        current_host_ = host;
        ++failovers_;
        stale = TakeIdle(current);
        moved = true;
        Dispatch();  // the dropped connections' slots are free
      }  // else another caller moved it meanwhile; Release closes this one if it differs
    }
    Close(std::move(stale));
    if (moved) {
      Log(LogLevel::kWarning, "db host changed",
          {{"from", Label(config_, current)}, {"to", Label(config_, host)}});
    }
    return conn;
  }
  return last;
}

std::vector<std::string> ConnectionPool::HostLabels() const {
  std::vector<std::string> labels;
  for (size_t i = 0; i < config_.hosts.size(); ++i) {
    labels.push_back(Label(config_, i));
  }
  return labels;
}

std::unique_ptr<PooledConnection> ConnectionPool::Lend() {
  ++in_use_;
  ++acquires_;
  if (idle_.empty()) {
    ++size_;  // reserve the slot; the connect happens outside the lock
    return nullptr;
  }
  std::unique_ptr<PooledConnection> conn = std::move(idle_.back());
  idle_.pop_back();
  return conn;
}

void ConnectionPool::Dispatch() {
  while (!waiters_.empty() && HasRoom()) {
    Waiter* waiter = waiters_.front();
    waiters_.pop_front();
    waiter->conn = Lend();
    waiter->granted = true;
    waiter->cv.notify_one();  // under the lock: the waiter cannot have gone yet
  }
}

absl::StatusOr<Lease> ConnectionPool::Acquire() {
  std::unique_ptr<PooledConnection> conn;
  {
    MutexLock lock(&mu_);
    if (waiters_.empty() && HasRoom()) {
      conn = Lend();
    } else {
      Waiter me;
      waiters_.push_back(&me);
      ++waits_;
      const absl::Time start = absl::Now();
      const bool granted = mu_.AwaitSignalWithTimeout(
          &me.cv, [&me] { return me.granted; }, options_.acquire_timeout);
      const absl::Duration waited = absl::Now() - start;
      wait_time_ += waited;
      longest_wait_ = std::max(longest_wait_, waited);
      if (!granted) {
        waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &me));
        ++timeouts_;
        return Unavailable("database connection pool exhausted", kRetryAfterPoolTimeout);
      }
      conn = std::move(me.conn);
    }
  }
  if (conn != nullptr && absl::Now() - conn->last_used > options_.validate_after) {
    bool valid = false;
    try {
      valid = conn->connection->isValid();
    } catch (const ::sql::SQLException&) {
      valid = false;
    }
    if (!valid) {
      Close(std::move(conn));  // replaced below; its slot stays reserved
    }
  }
  if (conn == nullptr) {
    auto connected = ConnectCurrent();
    if (!connected.ok()) {
      MutexLock lock(&mu_);
      --size_;
      --in_use_;
      Dispatch();
      return connected.status();
    }
    conn = std::move(*connected);
  }
  return Lease(this, std::move(conn));
}

void ConnectionPool::Close(std::unique_ptr<PooledConnection> conn) {
  statements_cached_ -= static_cast<long long>(conn->statements.size());
  conn.reset();
}

void ConnectionPool::Close(std::vector<std::unique_ptr<PooledConnection>> conns) {
  for (auto& conn : conns) {
    Close(std::move(conn));
  }
}

std::vector<std::unique_ptr<PooledConnection>> ConnectionPool::TakeIdle(size_t host) {
  std::vector<std::unique_ptr<PooledConnection>> taken;
  auto keep = std::stable_partition(idle_.begin(), idle_.end(),
                                    [host](const auto& conn) { return conn->host != host; });
  std::move(keep, idle_.end(), std::back_inserter(taken));
  idle_.erase(keep, idle_.end());
  size_ -= static_cast<int>(taken.size());
  return taken;
}

void ConnectionPool::Release(std::unique_ptr<PooledConnection> conn, bool broken) {
  conn->last_used = absl::Now();
  std::vector<std::unique_ptr<PooledConnection>> closing;
  {
    MutexLock lock(&mu_);
    --in_use_;
    if (broken) {
      // Its host's idle connections most likely went with it: check the host anew
      // on the next borrow instead of handing them out one failure at a time.
      closing = TakeIdle(conn->host);
    }
    if (broken || conn->host != current_host_) {  // the pool moved to another host
      --size_;
      closing.push_back(std::move(conn));
    } else {
      idle_.push_back(std::move(conn));
    }
    Dispatch();
  }
  Close(std::move(closing));  // outside the lock
}

PoolStats ConnectionPool::Stats() const {
  MutexLock lock(&mu_);
  PoolStats stats;
  stats.size = size_;
  stats.in_use = in_use_;
  stats.max_size = config_.pool_size;
  stats.acquires = acquires_;
  stats.waits = waits_;
  stats.timeouts = timeouts_;
  stats.wait_time = wait_time_;
  stats.longest_wait = longest_wait_;
  stats.statements_cached = statements_cached_.load();
  stats.statements_prepared = statements_prepared_.load();
  stats.current_host = current_host_;
  stats.failovers = failovers_;
  return stats;
}

}  // namespace cases::sql
