// casesd on a 3-node MariaDB Galera cluster (scripts/db cluster, started by
// scripts/test for the "galera" label; CASES_TEST_CLUSTER_DIR names it). Under 64
// callers creating cases and posting messages, the node casesd uses is killed -9,
// brought back, then the node it moved to is killed and brought back. Callers see
// UNAVAILABLE with RetryInfo during each failover, never INTERNAL; writes resume
// within seconds on another node without restarting casesd; the pool stays where it
// is when a node recovers; and every acknowledged write is on every node after.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cases/client.h"
#include "sql/transaction.h"
#include "tests/integration/load.h"
#include "tests/integration/world.h"

namespace cases::testing {
namespace {

// The cluster's directory and its nodes' SQL ports, in the DSN's order.
struct Cluster {
  std::string dir;
  std::vector<int> ports;

  static const Cluster* Get() {
    static const Cluster* cluster = []() -> const Cluster* {
      const char* dir = std::getenv("CASES_TEST_CLUSTER_DIR");
      if (dir == nullptr) {
        return nullptr;
      }
      auto* c = new Cluster{dir, {}};
      std::ifstream ports(c->dir + "/ports");
      int node, sql, gcomm, ist, sst;
      while (ports >> node >> sql >> gcomm >> ist >> sst) {
        c->ports.push_back(sql);
      }
      return c;
    }();
    return cluster;
  }
  sql::DbConfig Server() const {
    std::string out;
    EXPECT_EQ(RunCommand({Script(), "cluster", "dsn", dir, "mysql"}, &out), 0);
    auto config = sql::ParseDsn(absl::StripAsciiWhitespace(out));
    EXPECT_TRUE(config.ok()) << out;
    return config.ok() ? *config : sql::DbConfig{};
  }
  std::string NodeDir(size_t node) const { return absl::StrCat(dir, "/node", node + 1); }
  void Kill(size_t node) const {
    std::ifstream pidfile(NodeDir(node) + "/mysqld.pid");
    pid_t pid = 0;
    ASSERT_TRUE(pidfile >> pid);
    ASSERT_EQ(kill(pid, SIGKILL), 0);
  }
  int Start(size_t node) const { return RunCommand({Script(), "start", NodeDir(node)}); }
  int Wait() const { return RunCommand({Script(), "cluster", "wait", dir}); }
  // Runs one statement on a node as root, over its socket; its output in *out.
  int Sql(size_t node, const std::string& statement, std::string* out = nullptr) const {
    return RunCommand({Script(), "sql", NodeDir(node), "-N", "-B", "-e", statement}, out);
  }
  // Cuts a node off from the others (isolate) or lets it rejoin: it stays up, but
  // while cut off it is not part of the primary component and refuses queries.
  int Isolate(size_t node, bool isolate) const {
    return Sql(
        node,
        absl::StrCat("SET GLOBAL wsrep_provider_options='gmcast.isolate=", isolate ? 1 : 0, "'"));
  }
  static std::string Script() { return std::string(CASES_SOURCE_DIR) + "/scripts/db"; }
};

class GaleraTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Cluster::Get() == nullptr) {
      GTEST_SKIP() << "no cluster: run through scripts/test, which starts one";
    }
    server_ = Cluster::Get()->Server();
    world_ = std::make_unique<World>(
        std::vector<std::string>{"--drain_timeout=2s", "--metrics_listen=127.0.0.1:0"}, &server_);
    ASSERT_TRUE(world_->ok());
  }

  // The node casesd sends new connections to, by its /metrics; -1 if none says 1.
  int NodeInUse() {
    const auto& ports = Cluster::Get()->ports;
    for (size_t i = 0; i < ports.size(); ++i) {
      if (world_->casesd().Metric(
              absl::StrCat("cases_db_host_in_use{host=\"127.0.0.1:", ports[i], "\"}")) == 1) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }

  // What one node holds of `column` in `table` of the test database.
  std::set<std::string> Column(size_t node, const std::string& table, const std::string& column) {
    sql::DbConfig config = world_->db().config();
    config.hosts = {config.hosts[node]};
    std::set<std::string> out;
    auto conn = sql::ConnectionPool::Connect(config, sql::PoolOptions{});
    EXPECT_TRUE(conn.ok()) << conn.status();
    if (conn.ok()) {
      std::unique_ptr<::sql::Statement> stmt((*conn)->createStatement());
      std::unique_ptr<::sql::ResultSet> rs(
          stmt->executeQuery(absl::StrCat("SELECT ", column, " FROM ", table)));
      while (rs->next()) {
        out.insert(rs->getString(1));
      }
    }
    return out;
  }

  sql::DbConfig server_;
  std::unique_ptr<World> world_;
};

// 64 callers: even ones create cases, odd ones post messages to one service request.
class Load {
 public:
  Load(World& world, const std::string& tenant, const std::string& token,
       const std::string& request) {
    for (int i = 0; i < kCallers; ++i) {
      cases_stubs_.push_back(v1::CaseService::NewStub(world.casesd().Channel()));
      request_stubs_.push_back(v1::ServiceRequestService::NewStub(world.casesd().Channel()));
    }
    calls_ = std::make_unique<CallerLoad>(
        kCallers, token, [this, tenant, request](int i, int n, grpc::ClientContext* context) {
          const std::string text = absl::StrCat("Load ", i, "-", n);
          grpc::Status s;
          if (i % 2 == 0) {
            v1::CreateCaseRequest create;
            create.set_parent(tenant);
            create.mutable_case_()->set_display_name(text);
            create.mutable_case_()->set_severity(v1::SEVERITY_HIGH);
            v1::Case out;
            s = cases_stubs_[i]->CreateCase(context, create, &out);
          } else {
            v1::CreateMessageRequest post;
            post.set_parent(request);
            post.mutable_message()->set_body(text);
            v1::Message out;
            s = request_stubs_[i]->CreateMessage(context, post, &out);
          }
          if (s.ok()) {
            std::lock_guard<std::mutex> lock(mu_);
            (i % 2 == 0 ? cases_ : messages_).insert(text);
          }
          return s;
        });
  }
  size_t acknowledged() {
    std::lock_guard<std::mutex> lock(mu_);
    return cases_.size() + messages_.size();
  }
  CallerLoad& calls() { return *calls_; }

  static constexpr int kCallers = 64;
  std::mutex mu_;
  std::set<std::string> cases_, messages_;  // display names and bodies acknowledged
  std::vector<std::unique_ptr<v1::CaseService::Stub>> cases_stubs_;
  std::vector<std::unique_ptr<v1::ServiceRequestService::Stub>> request_stubs_;
  std::unique_ptr<CallerLoad> calls_;  // last: stopped first
};

TEST_F(GaleraTest, KillingTheNodeInUseTwiceLosesNoAcknowledgedWriteAndNeedsNoRestart) {
  const std::string tenant = world_->customer[Licence::kPresent];
  const std::string token = world_->Token("TENANT_ADMIN", tenant);
  v1::CreateServiceRequestRequest open;
  open.set_parent(tenant);
  open.mutable_service_request()->set_type(v1::SERVICE_REQUEST_TYPE_MDR);
  open.mutable_service_request()->set_display_name("Failover drill");
  v1::ServiceRequest request;
  ASSERT_TRUE(world_->stubs()
                  .requests->CreateServiceRequest(World::Context(token).get(), open, &request)
                  .ok());
  const Cluster& cluster = *Cluster::Get();
  const pid_t casesd = world_->casesd().pid();

  Load load(*world_, tenant, token, request.name());
  ASSERT_TRUE(WaitFor([&] { return load.acknowledged() >= 300; }, absl::Seconds(60)));
  std::vector<int> used = {NodeInUse()};
  std::vector<absl::Duration> recoveries;
  for (int round = 0; round < 2; ++round) {
    const int victim = used.back();
    ASSERT_GE(victim, 0) << world_->casesd().Log();
    load.calls().MarkFault();
    cluster.Kill(victim);
    ASSERT_TRUE(WaitFor([&] { return load.calls().Recovery() < absl::InfiniteDuration(); },
                        absl::Seconds(30)))
        << world_->casesd().Log();
    recoveries.push_back(load.calls().Recovery());
    const size_t after_kill = load.acknowledged();
    ASSERT_TRUE(
        WaitFor([&] { return load.acknowledged() >= after_kill + 300; }, absl::Seconds(60)));
    const int moved_to = NodeInUse();
    EXPECT_NE(moved_to, victim);
    // The killed node comes back and rejoins; casesd stays where it is.
    ASSERT_EQ(cluster.Start(victim), 0);
    ASSERT_EQ(cluster.Wait(), 0);
    const size_t after_rejoin = load.acknowledged();
    ASSERT_TRUE(
        WaitFor([&] { return load.acknowledged() >= after_rejoin + 300; }, absl::Seconds(60)));
    EXPECT_EQ(NodeInUse(), moved_to) << "the pool went back to a recovered node";
    used.push_back(moved_to);
  }
  load.calls().Stop();
  EXPECT_EQ(world_->casesd().pid(), casesd);
  EXPECT_EQ(kill(casesd, 0), 0) << "casesd is gone";
  EXPECT_EQ(world_->casesd().Metric("cases_db_host_changes_total"), 2);

  std::printf(
      "galera failover: nodes used %d -> %d -> %d; %zu cases and %zu messages acknowledged, "
      "%d UNAVAILABLE (%d with RetryInfo), %d past deadline; kill to first write %.0f ms, %.0f ms; "
      "longest call %.0f ms\n",
      used[0] + 1, used[1] + 1, used[2] + 1, load.cases_.size(), load.messages_.size(),
      load.calls().unavailable_, load.calls().with_retry_info_, load.calls().deadline_,
      absl::ToDoubleMilliseconds(recoveries[0]), absl::ToDoubleMilliseconds(recoveries[1]),
      absl::ToDoubleMilliseconds(load.calls().longest_));
  EXPECT_TRUE(load.calls().other_.empty())
      << load.calls().other_.size() << " calls failed otherwise, first "
      << load.calls().other_.front();
  EXPECT_EQ(load.calls().with_retry_info_, load.calls().unavailable_);
  for (absl::Duration recovery : recoveries) {
    EXPECT_LT(recovery, absl::Seconds(5));
  }
  EXPECT_LT(load.calls().longest_, absl::Seconds(6));  // nothing hangs past its 5 s deadline

  // Every acknowledged write is on every node.
  for (size_t node = 0; node < cluster.ports.size(); ++node) {
    const std::set<std::string> cases = Column(node, "cases", "display_name");
    const std::set<std::string> messages = Column(node, "messages", "body");
    size_t missing = 0;
    for (const auto& name : load.cases_) {
      missing += cases.count(name) == 0 ? 1 : 0;
    }
    for (const auto& body : load.messages_) {
      missing += messages.count(body) == 0 ? 1 : 0;
    }
    EXPECT_EQ(missing, 0u) << "node " << node + 1;
  }
}

// Writes to one row through two nodes at once: Galera certifies them at COMMIT and
// fails the later one with a deadlock (1213), which the transaction helper retries.
TEST_F(GaleraTest, CertificationConflictsAcrossNodesAreRetriedAndLoseNoUpdate) {
  const std::string counter = "galera-test";
  world_->db().Execute(
      absl::StrCat("INSERT INTO tenant_counters (tenant_id, counter, value) VALUES "
                   "(X'00000000000000000000000000000000', '",
                   counter, "', 0)"));
  std::vector<std::unique_ptr<sql::ConnectionPool>> pools;
  for (size_t node = 0; node < 2; ++node) {
    sql::DbConfig config = world_->db().config();
    config.hosts = {config.hosts[node]};
    pools.push_back(std::make_unique<sql::ConnectionPool>(config, sql::PoolOptions{}));
  }
  std::atomic<int> attempts{0}, committed{0};
  std::vector<absl::Status> failures;
  std::mutex mu;
  std::vector<std::thread> writers;
  for (int t = 0; t < 16; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        absl::Status s = sql::RunInTransaction(*pools[t % 2], [&](sql::Lease& db) {
          ++attempts;
          auto& stmt = db.Prepare(
              "UPDATE tenant_counters SET value = value + 1 WHERE tenant_id = "
              "X'00000000000000000000000000000000' AND counter = "
              "?");
          stmt.setString(1, counter);
          stmt.executeUpdate();
          return absl::OkStatus();
        });
        if (s.ok()) {
          ++committed;
        } else {
          std::lock_guard<std::mutex> lock(mu);
          failures.push_back(s);
        }
      }
    });
  }
  for (auto& w : writers) {
    w.join();
  }
  std::printf("certification: %d commits, %d attempts, %zu gave up\n", committed.load(),
              attempts.load(), failures.size());
  EXPECT_GT(attempts.load(), committed.load() + static_cast<int>(failures.size()))
      << "no conflict was retried";
  for (const absl::Status& f : failures) {
    EXPECT_TRUE(absl::IsAborted(f)) << f;  // CONCURRENT_UPDATE after the retries, never INTERNAL
  }
  EXPECT_EQ(
      world_->db().QueryInt(absl::StrCat("SELECT value FROM tenant_counters WHERE tenant_id = "
                                         "X'00000000000000000000000000000000' AND counter = '",
                                         counter, "'")),
      committed.load());
}

TEST_F(GaleraTest, ANodeThatIsUpButNotSyncedIsSkippedWithUnavailableAtWorst) {
  const std::string tenant = world_->customer[Licence::kPresent];
  const std::string token = world_->Token("TENANT_ADMIN", tenant);
  const Cluster& cluster = *Cluster::Get();
  auto create = [&](const std::string& name) {
    v1::CreateCaseRequest request;
    request.set_parent(tenant);
    request.mutable_case_()->set_display_name(name);
    request.mutable_case_()->set_severity(v1::SEVERITY_LOW);
    v1::Case out;
    return world_->stubs().cases->CreateCase(World::Context(token).get(), request, &out);
  };
  ASSERT_TRUE(create("Before").ok());
  const int isolated = NodeInUse();
  ASSERT_GE(isolated, 0);
  ASSERT_EQ(cluster.Isolate(isolated, true), 0);
  struct Rejoin {  // however the test ends, the node rejoins for the next one
    const Cluster& cluster;
    int node;
    ~Rejoin() {
      cluster.Isolate(node, false);
      EXPECT_EQ(cluster.Wait(), 0);
    }
  } rejoin{cluster, isolated};
  ASSERT_TRUE(WaitFor(
      [&] {
        std::string ready;
        cluster.Sql(isolated, "SHOW STATUS LIKE 'wsrep_ready'", &ready);
        return absl::StrContains(ready, "OFF");
      },
      absl::Seconds(30)));

  // The pool's connections to the node now get error 1047: the calls move on.
  const absl::Time start = absl::Now();
  int unavailable = 0;
  grpc::Status s;
  for (int n = 0; absl::Now() - start < absl::Seconds(10); ++n) {
    s = create(absl::StrCat("During ", n));
    if (s.ok()) {
      break;
    }
    ASSERT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
    EXPECT_TRUE(client::DetailsOf(s).retry_delay.has_value());
    ++unavailable;
  }
  ASSERT_TRUE(s.ok()) << s.error_message() << "\n" << world_->casesd().Log();
  std::printf("not-synced node skipped after %.0f ms, %d UNAVAILABLE first\n",
              absl::ToDoubleMilliseconds(absl::Now() - start), unavailable);
  EXPECT_NE(NodeInUse(), isolated);
  // Reads too: a read right after the write sees it (wsrep_sync_wait on every node).
  v1::ListCasesRequest list;
  list.set_parent(tenant);
  v1::ListCasesResponse cases;
  ASSERT_TRUE(world_->stubs().cases->ListCases(World::Context(token).get(), list, &cases).ok());
  EXPECT_EQ(cases.cases_size(), 2);
}

}  // namespace
}  // namespace cases::testing
