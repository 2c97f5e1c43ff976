// Faults under load: the database stopped and restarted, casesd killed -9, and a
// hot backup restored into a fresh server, while 64 callers create cases. Callers get UNAVAILABLE
// with RetryInfo (or their deadline), never a hang; the service recovers by itself; and every
// create that returned OK exists with its history event afterwards — nothing half-written.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "cases/client.h"
#include "tests/integration/load.h"
#include "tests/integration/world.h"

namespace cases::testing {
namespace {

// A MariaDB of this test process's own (its own directory and port), so stopping
// it cannot disturb other tests; stopped for good when the process's tests end.
class PrivateServer {
 public:
  static PrivateServer& Get() {
    static PrivateServer* server = new PrivateServer();
    return *server;
  }
  int Db(const std::string& verb) {
    return RunCommand(
        {std::string(CASES_SOURCE_DIR) + "/scripts/db", verb, dir_, std::to_string(port_)});
  }
  sql::DbConfig Config() const {
    auto config =
        sql::ParseDsn(absl::StrCat("mysql://root@localhost/mysql?socket=", dir_, "/mysqld.sock"));
    return *config;
  }
  bool ok() const { return ok_; }
  const std::string& dir() const { return dir_; }

 private:
  PrivateServer()
      : dir_(absl::StrCat(::testing::TempDir(), "/fault-db-", getpid())),
        port_(30000 + getpid() % 20000) {
    ok_ = Db("start") == 0;
  }
  std::string dir_;
  int port_;
  bool ok_ = false;
};

class StopPrivateServer : public ::testing::Environment {
 public:
  void TearDown() override { PrivateServer::Get().Db("stop"); }
};
::testing::Environment* const kStopPrivateServer =
    ::testing::AddGlobalTestEnvironment(new StopPrivateServer);

class FaultTest : public ::testing::Test {
 protected:
  FaultTest() : world_({"--drain_timeout=2s"}, Server()) {}

  static const sql::DbConfig* Server() {
    static sql::DbConfig config = PrivateServer::Get().Config();
    return PrivateServer::Get().ok() ? &config : nullptr;
  }
  // 64 callers creating cases until stopped; records what succeeded (and CallerLoad
  // how calls failed).
  class Load {
   public:
    Load(World& world, const std::string& tenant, const std::string& token) {
      for (int i = 0; i < kCallers; ++i) {
        stubs_.push_back(v1::CaseService::NewStub(world.casesd().Channel()));
      }
      calls_ = std::make_unique<CallerLoad>(
          kCallers, token, [this, tenant](int i, int n, grpc::ClientContext* context) {
            v1::CreateCaseRequest request;
            request.set_parent(tenant);
            request.mutable_case_()->set_display_name(absl::StrCat("Load ", i, "-", n));
            request.mutable_case_()->set_severity(v1::SEVERITY_HIGH);
            v1::Case out;
            grpc::Status s = stubs_[i]->CreateCase(context, request, &out);
            if (s.ok()) {
              std::lock_guard<std::mutex> lock(mu_);
              created_.insert(out.name());
              names_.insert(out.display_name());
            }
            return s;
          });
    }
    void Stop() { calls_->Stop(); }
    size_t created() {
      std::lock_guard<std::mutex> lock(mu_);
      return created_.size();
    }
    CallerLoad& calls() { return *calls_; }

    static constexpr int kCallers = 64;
    std::mutex mu_;
    std::set<std::string> created_;  // resource names
    std::set<std::string> names_;    // their display names
    std::vector<std::unique_ptr<v1::CaseService::Stub>> stubs_;
    std::unique_ptr<CallerLoad> calls_;  // last: stopped first
  };

  // Every create that returned OK exists and has its creation event.
  void ExpectEveryAcknowledgedCreateIsWhole(const std::set<std::string>& created,
                                            const std::string& token) {
    client::Client c(world_.casesd().Channel(), token);
    int missing = 0, without_history = 0;
    for (const std::string& name : created) {
      v1::GetCaseRequest get;
      get.set_name(name);
      v1::Case out;
      if (grpc::Status s = c.Call(c.cases(), &v1::CaseService::Stub::GetCase, get, &out); !s.ok()) {
        ++missing;
        ADD_FAILURE() << name << ": " << s.error_code() << " " << s.error_message();
        continue;
      }
      v1::ListCaseEventsRequest events;
      events.set_parent(name);
      v1::ListCaseEventsResponse history;
      if (!c.Call(c.cases(), &v1::CaseService::Stub::ListCaseEvents, events, &history).ok() ||
          history.events_size() != 1 || history.events(0).type() != v1::EVENT_TYPE_CREATED) {
        ++without_history;
      }
    }
    EXPECT_EQ(missing, 0) << "of " << created.size();
    EXPECT_EQ(without_history, 0) << "of " << created.size();
  }

  World world_;
};

TEST_F(FaultTest, DatabaseRestartUnderLoadLosesNothingAndRecovers) {
  ASSERT_TRUE(world_.ok());
  const std::string tenant = world_.customer[Licence::kPresent];
  const std::string token = world_.Token("TENANT_ADMIN", tenant);
  PrivateServer& control = PrivateServer::Get();
  Load load(world_, tenant, token);
  ASSERT_TRUE(WaitFor([&] { return load.created() >= 200; }, absl::Seconds(30)));
  ASSERT_EQ(control.Db("stop"), 0);
  ASSERT_TRUE(WaitFor([&] { return load.calls().unavailable() >= 20; }, absl::Seconds(30)));
  const size_t before_restart = load.created();
  ASSERT_EQ(control.Db("start"), 0);
  const absl::Time restarted = absl::Now();
  // The service recovers by itself: creates succeed again within seconds.
  EXPECT_TRUE(WaitFor([&] { return load.created() > before_restart; }, absl::Seconds(30)));
  const absl::Duration recovery = absl::Now() - restarted;
  EXPECT_TRUE(WaitFor([&] { return load.created() >= before_restart + 200; }, absl::Seconds(30)));
  load.Stop();
  std::printf(
      "database restart: %zu creates acknowledged, %d UNAVAILABLE, %d past deadline, "
      "first success %.0f ms after the restart, longest call %.0f ms\n",
      load.created_.size(), load.calls().unavailable_, load.calls().deadline_,
      absl::ToDoubleMilliseconds(recovery), absl::ToDoubleMilliseconds(load.calls().longest_));
  EXPECT_TRUE(load.calls().other_.empty()) << load.calls().other_.front();
  EXPECT_EQ(load.calls().with_retry_info_, load.calls().unavailable_);
  EXPECT_LT(load.calls().longest_, absl::Seconds(6));  // nothing hangs past its 5 s deadline
  ExpectEveryAcknowledgedCreateIsWhole(load.created_, token);
}

TEST_F(FaultTest, CasesdKilledUnderLoadLosesNothing) {
  ASSERT_TRUE(world_.ok());
  const std::string tenant = world_.customer[Licence::kPresent];
  const std::string token = world_.Token("TENANT_ADMIN", tenant);
  const int port = world_.casesd().port();
  std::set<std::string> created;
  {
    Load load(world_, tenant, token);
    ASSERT_TRUE(WaitFor([&] { return load.created() >= 200; }, absl::Seconds(30)));
    world_.casesd().Stop(SIGKILL);
    load.Stop();
    created = load.created_;
  }
  auto replica = world_.StartReplica({absl::StrCat("--listen=127.0.0.1:", port)});
  ASSERT_TRUE(replica->started());
  ExpectEveryAcknowledgedCreateIsWhole(created, token);
}

TEST_F(FaultTest, AHotBackupUnderLoadRestoresEveryCaseAcknowledgedBeforeIt) {
  ASSERT_TRUE(world_.ok());
  const std::string tenant = world_.customer[Licence::kPresent];
  const std::string token = world_.Token("TENANT_ADMIN", tenant);
  const std::string db = std::string(CASES_SOURCE_DIR) + "/scripts/db";
  const std::string backup = absl::StrCat(::testing::TempDir(), "/backup-", getpid());
  const std::string restored = absl::StrCat(::testing::TempDir(), "/restored-", getpid());
  RunCommand({"rm", "-rf", backup, restored});
  std::set<std::string> before;
  size_t during = 0;
  {
    Load load(world_, tenant, token);
    ASSERT_TRUE(WaitFor([&] { return load.created() >= 300; }, absl::Seconds(30)));
    {
      std::lock_guard<std::mutex> lock(load.mu_);
      before = load.names_;
    }
    const absl::Time start = absl::Now();
    ASSERT_EQ(RunCommand({db, "backup", PrivateServer::Get().dir(), backup}), 0);
    during = load.created() - before.size();
    std::printf("hot backup under 64 callers: %.1f s, %zu creates acknowledged meanwhile\n",
                absl::ToDoubleSeconds(absl::Now() - start), during);
    load.Stop();
  }
  EXPECT_GT(during, 0u) << "the load did not run during the backup";
  ASSERT_EQ(RunCommand({db, "restore", backup, restored}), 0);
  const int port = 20000 + getpid() % 10000;
  ASSERT_EQ(RunCommand({db, "start", restored, std::to_string(port)}), 0);
  struct Stop {
    std::string db, dir;
    ~Stop() { RunCommand({db, "stop", dir}); }
  } stop{db, restored};

  // The restored database: every case acknowledged before the backup began, each
  // with its creation event (the copy is transactionally consistent).
  sql::DbConfig config =
      *sql::ParseDsn(absl::StrCat("mysql://root@localhost/", world_.db().config().database,
                                  "?socket=", restored, "/mysqld.sock"));
  auto conn = sql::ConnectionPool::Connect(config, sql::PoolOptions{});
  ASSERT_TRUE(conn.ok()) << conn.status();
  std::unique_ptr<::sql::Statement> stmt((*conn)->createStatement());
  std::unique_ptr<::sql::ResultSet> rs(stmt->executeQuery(
      "SELECT c.display_name, COUNT(e.case_id) FROM cases c LEFT JOIN case_events e "
      "ON e.tenant_id = c.tenant_id AND e.case_id = c.case_id GROUP BY c.tenant_id, c.case_id"));
  std::set<std::string> present;
  int without_event = 0;
  while (rs->next()) {
    present.insert(rs->getString(1));
    without_event += rs->getInt(2) == 0 ? 1 : 0;
  }
  size_t missing = 0;
  for (const std::string& name : before) {
    missing += present.count(name) == 0 ? 1 : 0;
  }
  EXPECT_EQ(missing, 0u) << "of " << before.size();
  EXPECT_EQ(without_event, 0);
  EXPECT_GE(present.size(), before.size());
}

}  // namespace
}  // namespace cases::testing
