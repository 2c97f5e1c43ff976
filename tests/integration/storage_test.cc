// The connection pool, the transaction helper and migrations against the real
// MariaDB started by scripts/test.
#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "sql/migrate.h"
#include "sql/transaction.h"
#include "tests/integration/testing.h"

namespace cases {
namespace {

using ::cases::testing::TestDatabase;

class PoolTest : public ::testing::Test {
 protected:
  // A pool of one connection.
  std::unique_ptr<sql::ConnectionPool> OneConnectionPool(sql::PoolOptions options = {}) {
    sql::DbConfig config = db_.config();
    config.pool_size = 1;
    return std::make_unique<sql::ConnectionPool>(config, options);
  }
  // Its connection, borrowed until the result is reset.
  static std::unique_ptr<absl::StatusOr<sql::Lease>> Hold(sql::ConnectionPool& pool) {
    return std::make_unique<absl::StatusOr<sql::Lease>>(pool.Acquire());
  }

  TestDatabase db_;
};

TEST_F(PoolTest, ExhaustedPoolWaitsBoundedThenUnavailable) {
  sql::DbConfig config = db_.config();
  config.pool_size = 2;
  sql::PoolOptions options;
  options.acquire_timeout = absl::Milliseconds(200);
  sql::ConnectionPool pool(config, options);
  auto a = pool.Acquire();
  auto b = pool.Acquire();
  ASSERT_TRUE(a.ok() && b.ok());
  const absl::Time start = absl::Now();
  auto c = pool.Acquire();
  const absl::Duration waited = absl::Now() - start;
  EXPECT_EQ(c.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(c.status().GetPayload(kRetryInfoUrl).has_value());
  EXPECT_GE(waited, absl::Milliseconds(150));
  EXPECT_EQ(pool.Stats().timeouts, 1);
  EXPECT_EQ(pool.Stats().in_use, 2);
}

TEST_F(PoolTest, WaiterGetsConnectionReleasedByAnother) {
  auto one = OneConnectionPool();
  sql::ConnectionPool& pool = *one;
  auto held = Hold(pool);
  ASSERT_TRUE(held->ok());
  std::thread releaser([&] {
    ASSERT_TRUE(testing::WaitFor([&] { return pool.Stats().waits == 1; }));
    held.reset();
  });
  auto second = pool.Acquire();
  releaser.join();
  EXPECT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(pool.Stats().size, 1);
}

// Under saturation every borrow waits; first come, first served keeps the longest
// wait near (callers ahead ÷ pool size) × hold time instead of leaving an unlucky
// caller to lose every race until it times out.
TEST_F(PoolTest, WaitersAreServedInArrivalOrderAndNewcomersQueueBehindThem) {
  auto one = OneConnectionPool();
  sql::ConnectionPool& pool = *one;
  auto held = Hold(pool);
  ASSERT_TRUE(held->ok());
  std::mutex mu;
  std::vector<std::string> served;
  auto borrow = [&](const std::string& who) {
    auto lease = pool.Acquire();
    ASSERT_TRUE(lease.ok()) << who << ": " << lease.status();
    std::lock_guard<std::mutex> lock(mu);
    served.push_back(who);
  };
  std::thread first([&] { borrow("first"); });
  ASSERT_TRUE(testing::WaitFor([&] { return pool.Stats().waits == 1; }));
  std::thread second([&] { borrow("second"); });
  ASSERT_TRUE(testing::WaitFor([&] { return pool.Stats().waits == 2; }));
  // Released and at once borrowed again: the connection is free for an instant,
  // but two callers are already queued for it.
  held.reset();
  borrow("newcomer");
  first.join();
  second.join();
  // (The newcomer waits unless both queued callers were done before it came.)
  EXPECT_EQ(served, (std::vector<std::string>{"first", "second", "newcomer"}));
  EXPECT_EQ(pool.Stats().size, 1);
  EXPECT_EQ(pool.Stats().in_use, 0);
}

TEST_F(PoolTest, AWaiterThatTimesOutLeavesTheQueueToThoseBehindIt) {
  sql::PoolOptions options;
  options.acquire_timeout = absl::Milliseconds(400);
  auto one = OneConnectionPool(options);
  sql::ConnectionPool& pool = *one;
  auto held = Hold(pool);
  ASSERT_TRUE(held->ok());
  absl::Status impatient;
  std::thread first([&] { impatient = pool.Acquire().status(); });
  ASSERT_TRUE(testing::WaitFor([&] { return pool.Stats().waits == 1; }));
  // The second caller queues later, so it still has time left when the first gives up.
  absl::SleepFor(absl::Milliseconds(200));
  std::thread releaser([&] {
    ASSERT_TRUE(testing::WaitFor([&] { return pool.Stats().timeouts == 1; }));
    held.reset();
  });
  auto second = pool.Acquire();  // queued behind `first`, served once it gave up
  first.join();
  releaser.join();
  EXPECT_EQ(impatient.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(second.ok()) << second.status();
}

TEST_F(PoolTest, KilledConnectionIsReplaced) {
  sql::DbConfig config = db_.config();
  config.pool_size = 1;
  sql::PoolOptions options;
  options.validate_after = absl::Hours(1);  // force the failure to surface on use
  sql::ConnectionPool pool(config, options);
  long long connection_id = 0;
  ASSERT_TRUE(sql::RunQuery(pool, [&](sql::Lease& db) {
                std::unique_ptr<::sql::ResultSet> rs(
                    db.Prepare("SELECT CONNECTION_ID()").executeQuery());
                rs->next();
                connection_id = rs->getInt64(1);
                return absl::OkStatus();
              }).ok());
  db_.Execute(absl::StrCat("KILL CONNECTION ", connection_id));
  // The dead connection fails its first statement; the helper replaces it and retries.
  long long answer = 0;
  absl::Status status = sql::RunQuery(pool, [&](sql::Lease& db) {
    std::unique_ptr<::sql::ResultSet> rs(db.Prepare("SELECT 41 + 1").executeQuery());
    rs->next();
    answer = rs->getInt64(1);
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(answer, 42);
  EXPECT_EQ(pool.Stats().size, 1);
}

TEST_F(PoolTest, CachedStatementsAreCountedAndForgottenWithTheirConnection) {
  sql::ConnectionPool pool(db_.config(), sql::PoolOptions{});
  {
    auto lease = pool.Acquire();
    ASSERT_TRUE(lease.ok());
    lease->Prepare("SELECT 1");
    lease->Prepare("SELECT 1");
    lease->Prepare("SELECT 2");
  }
  EXPECT_EQ(pool.Stats().statements_cached, 2);
  EXPECT_EQ(pool.Stats().statements_prepared, 2);
  {
    auto lease = pool.Acquire();
    ASSERT_TRUE(lease.ok());
    lease->Prepare("SELECT 2");  // the same connection: cached
    lease->MarkBroken();
  }
  EXPECT_EQ(pool.Stats().statements_prepared, 2);
  EXPECT_EQ(pool.Stats().statements_cached, 0);
}

TEST_F(PoolTest, TransactionRollsBackOnError) {
  const std::string tenant = NewIdBytes();
  absl::Status status = sql::RunInTransaction(db_.pool(), [&](sql::Lease& db) {
    auto& insert = db.Prepare(
        "INSERT INTO tenant_counters (tenant_id, counter, value) VALUES (?, 'cases', 1)");
    insert.setString(1, tenant);
    insert.execute();
    return absl::FailedPreconditionError("changed my mind");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(db_.QueryInt("SELECT COUNT(*) FROM tenant_counters"), 0);
}

TEST_F(PoolTest, TransactionCommitsOnOk) {
  absl::Status status = sql::RunInTransaction(db_.pool(), [&](sql::Lease& db) {
    auto& insert = db.Prepare(
        "INSERT INTO tenant_counters (tenant_id, counter, value) VALUES (?, 'cases', 1)");
    insert.setString(1, NewIdBytes());
    insert.execute();
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(db_.QueryInt("SELECT COUNT(*) FROM tenant_counters"), 1);
}

// Connector/C++ 1.1's Connection::commit() drops mysql_commit's error: a COMMIT
// that never reached the server must not be reported as committed.
TEST_F(PoolTest, CommitOnALostConnectionIsUnavailableNotOk) {
  absl::Status status = sql::RunInTransaction(db_.pool(), [&](sql::Lease& db) {
    auto& insert = db.Prepare(
        "INSERT INTO tenant_counters (tenant_id, counter, value) VALUES (?, 'cases', 1)");
    insert.setString(1, NewIdBytes());
    insert.execute();
    std::unique_ptr<::sql::ResultSet> rs(db.Prepare("SELECT CONNECTION_ID()").executeQuery());
    rs->next();
    db_.Execute(absl::StrCat("KILL CONNECTION ", rs->getInt64(1)));
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_EQ(db_.QueryInt("SELECT COUNT(*) FROM tenant_counters"), 0);
}

// A refusal is the caller's answer even when the ROLLBACK after it finds the
// connection gone; the dead connection leaves the pool.
TEST_F(PoolTest, RefusalStandsWhenItsRollbackFindsTheConnectionGone) {
  const int idle_before = db_.pool().Stats().size;
  absl::Status status = sql::RunInTransaction(db_.pool(), [&](sql::Lease& db) {
    std::unique_ptr<::sql::ResultSet> rs(db.Prepare("SELECT CONNECTION_ID()").executeQuery());
    rs->next();
    db_.Execute(absl::StrCat("KILL CONNECTION ", rs->getInt64(1)));
    return absl::FailedPreconditionError("changed my mind");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_EQ(db_.pool().Stats().size, std::max(0, idle_before - 1));
}

TEST_F(PoolTest, SqlErrorsBecomeInternalWithoutSqlText) {
  absl::Status status = sql::RunQuery(db_.pool(), [&](sql::Lease& db) {
    db.Prepare("SELECT no_such_column FROM tenants WHERE tenant_id = ?").executeQuery();
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(std::string(status.message()).find("no_such_column"), std::string::npos);
}

// A MariaDB of its own, so restarting it cannot disturb other tests.
class PoolRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(::testing::TempDir(), "/restart-db-", getpid());
    ASSERT_EQ(Db("start"), 0);
  }
  void TearDown() override { Db("stop"); }
  int Db(const std::string& verb) {
    return testing::RunCommand({std::string(CASES_SOURCE_DIR) + "/scripts/db", verb, dir_, "3397"});
  }
  std::string dir_;
};

TEST_F(PoolRestartTest, ServerRestartedNewConnectionsWork) {
  auto config = sql::ParseDsn(
      absl::StrCat("mysql://root@localhost/mysql?socket=", dir_, "/mysqld.sock&pool=4"));
  ASSERT_TRUE(config.ok());
  sql::PoolOptions options;
  options.validate_after = absl::ZeroDuration();
  sql::ConnectionPool pool(*config, options);
  auto ping = [&] {
    return sql::RunQuery(pool, [](sql::Lease& db) {
      std::unique_ptr<::sql::ResultSet> rs(db.Prepare("SELECT 1").executeQuery());
      return rs->next() ? absl::OkStatus() : absl::InternalError("no row");
    });
  };
  ASSERT_TRUE(ping().ok());
  ASSERT_EQ(Db("stop"), 0);
  absl::Status down = ping();
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable) << down;
  EXPECT_TRUE(down.GetPayload(kRetryInfoUrl).has_value());
  ASSERT_EQ(Db("start"), 0);
  EXPECT_TRUE(testing::WaitFor([&] { return ping().ok(); }, absl::Seconds(10)));
  EXPECT_LE(pool.Stats().size, 4);
}

class MigrateTest : public ::testing::Test {
 protected:
  TestDatabase db_;
};

TEST_F(MigrateTest, SecondRunAppliesNothing) {
  auto again = sql::Migrate(db_.config());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(db_.QueryInt("SELECT COUNT(*) FROM schema_migrations"),
            static_cast<long long>(sql::AllMigrations().size()));
}

TEST_F(MigrateTest, ConcurrentRunsApplyEachMigrationOnce) {
  sql::DbConfig fresh = db_.config();
  fresh.database += "_c";
  db_.Execute("CREATE DATABASE `" + fresh.database + "`");
  std::atomic<size_t> applied_total{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto applied = sql::Migrate(fresh);
      if (!applied.ok()) {
        ++failures;
        return;
      }
      applied_total += applied->size();
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(applied_total.load(), sql::AllMigrations().size());
  db_.Execute("DROP DATABASE `" + fresh.database + "`");
}

TEST_F(MigrateTest, EveryPrimaryKeyStartsWithTenantId) {
  const long long tables = db_.QueryInt(
      "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
      "AND table_name <> 'schema_migrations'");
  const long long led_by_tenant = db_.QueryInt(
      "SELECT COUNT(*) FROM information_schema.key_column_usage WHERE table_schema = DATABASE() "
      "AND constraint_name = 'PRIMARY' AND ordinal_position = 1 AND column_name = 'tenant_id'");
  EXPECT_GE(tables, 13);
  EXPECT_EQ(led_by_tenant, tables);
}

TEST_F(MigrateTest, VschemaShardsEveryTableByXxhashOfTenantId) {
  std::ifstream in(std::string(CASES_SOURCE_DIR) + "/sql/vitess/vschema.json");
  std::stringstream text;
  text << in.rdbuf();
  google::protobuf::Struct vschema;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(text.str(), &vschema).ok());
  EXPECT_TRUE(vschema.fields().at("sharded").bool_value());
  const auto& vindexes = vschema.fields().at("vindexes").struct_value().fields();
  const auto& tables = vschema.fields().at("tables").struct_value().fields();
  auto conn = sql::ConnectionPool::Connect(db_.config(), sql::PoolOptions{});
  ASSERT_TRUE(conn.ok());
  std::unique_ptr<::sql::Statement> stmt((*conn)->createStatement());
  std::unique_ptr<::sql::ResultSet> rs(stmt->executeQuery(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() "
      "AND table_name <> 'schema_migrations'"));
  int n = 0;
  while (rs->next()) {
    ++n;
    const std::string table = rs->getString(1);
    ASSERT_EQ(tables.count(table), 1u) << table << " is missing from vschema.json";
    const auto& vindex =
        tables.at(table).struct_value().fields().at("column_vindexes").list_value().values(0);
    EXPECT_EQ(vindex.struct_value().fields().at("column").string_value(), "tenant_id") << table;
    const std::string name = vindex.struct_value().fields().at("name").string_value();
    EXPECT_EQ(vindexes.at(name).struct_value().fields().at("type").string_value(), "xxhash")
        << table;
  }
  EXPECT_EQ(static_cast<size_t>(n), tables.size());
}

TEST_F(MigrateTest, NoAutoIncrementColumns) {
  EXPECT_EQ(db_.QueryInt("SELECT COUNT(*) FROM information_schema.columns WHERE "
                         "table_schema = DATABASE() AND extra LIKE '%auto_increment%'"),
            0);
}

}  // namespace
}  // namespace cases
