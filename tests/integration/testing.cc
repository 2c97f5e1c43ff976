#include "tests/integration/testing.h"

#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "httplib.h"
#include "sql/migrate.h"

extern char** environ;

namespace cases::testing {
namespace {

// A connection of the test harness itself. It names itself in the general query
// log, so the tenant-scoping check (tests/check_tenant_scoping.py) skips its
// set-up and inspection statements and checks only what the server issues.
absl::StatusOr<std::unique_ptr<::sql::Connection>> HarnessConnection(const sql::DbConfig& config) {
  auto conn = sql::ConnectionPool::Connect(config, sql::PoolOptions{});
  if (conn.ok()) {
    std::unique_ptr<::sql::Statement> stmt((*conn)->createStatement());
    std::unique_ptr<::sql::ResultSet> rs(stmt->executeQuery("SELECT 'cases-test-harness'"));
  }
  return conn;
}

std::unique_ptr<::sql::Connection> RootConnection(const sql::DbConfig& server) {
  auto conn = HarnessConnection(server);
  if (!conn.ok()) {
    ADD_FAILURE() << "cannot connect to the test database: " << conn.status();
    std::abort();
  }
  return std::move(*conn);
}

}  // namespace

sql::DbConfig TestServerConfig() {
  const char* dsn = std::getenv("CASES_TEST_DB");
  if (dsn == nullptr) {
    ADD_FAILURE() << "CASES_TEST_DB is not set: run the tests through scripts/test";
    std::abort();
  }
  auto config = sql::ParseDsn(dsn);
  if (!config.ok()) {
    ADD_FAILURE() << "bad CASES_TEST_DB: " << config.status();
    std::abort();
  }
  return *config;
}

TestDatabase::TestDatabase() { Init(TestServerConfig()); }

TestDatabase::TestDatabase(const sql::DbConfig& server) { Init(server); }

void TestDatabase::Init(const sql::DbConfig& server) {
  server_ = server;
  config_ = server;
  const std::string id = NewIdText();
  config_.database = "t_" + id.substr(24) + id.substr(0, 8);
  auto root = RootConnection(server_);
  std::unique_ptr<::sql::Statement> stmt(root->createStatement());
  stmt->execute("CREATE DATABASE `" + config_.database + "`");
  auto applied = sql::Migrate(config_);
  EXPECT_TRUE(applied.ok()) << applied.status();
  pool_ = std::make_unique<sql::ConnectionPool>(config_, sql::PoolOptions{});
}

TestDatabase::~TestDatabase() {
  pool_.reset();
  auto conn = HarnessConnection(server_);
  if (!conn.ok()) {
    return;  // the server is gone (a fault test stopped it): nothing to drop
  }
  auto& root = *conn;
  std::unique_ptr<::sql::Statement> stmt(root->createStatement());
  stmt->execute("DROP DATABASE IF EXISTS `" + config_.database + "`");
}

std::string TestDatabase::Dsn() const { return sql::FormatDsn(config_); }

void TestDatabase::Execute(const std::string& statement) {
  auto conn = HarnessConnection(config_);
  ASSERT_TRUE(conn.ok()) << conn.status();
  std::unique_ptr<::sql::Statement> stmt((*conn)->createStatement());
  stmt->execute(statement);
}

long long TestDatabase::QueryInt(const std::string& statement) {
  auto conn = HarnessConnection(config_);
  EXPECT_TRUE(conn.ok()) << conn.status();
  if (!conn.ok()) {
    return -1;
  }
  std::unique_ptr<::sql::Statement> stmt((*conn)->createStatement());
  std::unique_ptr<::sql::ResultSet> rs(stmt->executeQuery(statement));
  return rs->next() ? rs->getInt64(1) : -1;
}

CasesdProcess::CasesdProcess(std::vector<std::string> flags) {
  std::vector<std::string> argv = {CASESD_PATH, "--listen=127.0.0.1:0",
                                   "--metrics_listen=", "--http_listen="};
  argv.insert(argv.end(), flags.begin(), flags.end());
  std::vector<char*> cargv;
  for (std::string& a : argv) {
    cargv.push_back(a.data());
  }
  cargv.push_back(nullptr);
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe failed";
    return;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  const int rc = posix_spawn(&pid_, CASESD_PATH, &actions, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  stderr_fd_ = pipe_fds[0];
  if (rc != 0) {
    ADD_FAILURE() << "cannot start casesd";
    pid_ = -1;
    return;
  }
  reader_ = std::thread([this] { DrainStderr(); });
  // The bound port is in the "serving" log line.
  const std::regex serving("\"msg\":\"serving\"[^\n]*\"port\":(\\d+)");
  const bool up = WaitFor(
      [&] {
        std::smatch m;
        const std::string log = Log();
        if (std::regex_search(log, m, serving)) {
          if (!absl::SimpleAtoi(m[1].str(), &port_)) {
            port_ = 0;
          }
          return true;
        }
        if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
          pid_ = -1;  // exited before serving: stop waiting
          return true;
        }
        return false;
      },
      absl::Seconds(30));
  if (!up || port_ == 0) {
    ADD_FAILURE() << "casesd did not start serving; its log:\n" << Log();
  }
}

void CasesdProcess::DrainStderr() {
  char buf[4096];
  while (true) {
    const ssize_t n = read(stderr_fd_, buf, sizeof(buf));
    if (n <= 0) {
      return;  // the child exited (or closed stderr)
    }
    MutexLock lock(&mu_);
    log_.append(buf, static_cast<size_t>(n));
    // A long run (the soak) logs every call: keep the start (where the ports are) and
    // the most recent part, so memory stays bounded.
    constexpr size_t kHead = 1 << 20, kMax = 64 << 20;
    if (log_.size() > kMax) {
      log_.erase(kHead, log_.size() - kMax / 2);
    }
  }
}

std::string CasesdProcess::Log() const {
  MutexLock lock(&mu_);
  return log_;
}

std::shared_ptr<grpc::Channel> CasesdProcess::Channel() const {
  return grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
}

namespace {

// The number a log field `key` carries first in `log`; 0 if none.
int LoggedPort(const std::string& log, const std::string& key) {
  std::smatch m;
  int port = 0;
  if (std::regex_search(log, m, std::regex("\"" + key + "\":(\\d+)"))) {
    (void)absl::SimpleAtoi(m[1].str(), &port);
  }
  return port;
}

}  // namespace

int CasesdProcess::MetricsPort() const { return LoggedPort(Log(), "metrics_port"); }

int CasesdProcess::HttpPort() const { return LoggedPort(Log(), "http_port"); }

double CasesdProcess::Metric(const std::string& series) const {
  const int port = MetricsPort();
  if (port == 0) {
    return -1;
  }
  httplib::Client http("127.0.0.1", port);
  auto response = http.Get("/metrics");
  if (!response) {
    return -1;
  }
  const std::string prefix = absl::StrCat("\n", series, " ");
  const size_t at = response->body.find(prefix);
  double value = -1;
  if (at != std::string::npos) {
    const size_t start = at + prefix.size();
    (void)absl::SimpleAtod(response->body.substr(start, response->body.find('\n', start) - start),
                           &value);
  }
  return value;
}

int CasesdProcess::Stop(int signal, absl::Duration timeout) {
  if (pid_ <= 0) {
    return -1;
  }
  kill(pid_, signal);
  int status = 0;
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return -1;
}

CasesdProcess::~CasesdProcess() {
  if (pid_ > 0 && Stop(SIGTERM) < 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (reader_.joinable()) {
    reader_.join();  // ends when the child's stderr closes
  }
  if (stderr_fd_ >= 0) {
    close(stderr_fd_);
  }
}

int RunCommand(const std::vector<std::string>& argv, std::string* out) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return -1;
  }
  std::vector<std::string> copy = argv;
  std::vector<char*> cargv;
  for (std::string& a : copy) {
    cargv.push_back(a.data());
  }
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, cargv[0], &actions, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  std::string output;
  char buf[4096];
  ssize_t n;
  while (rc == 0 && (n = read(pipe_fds[0], buf, sizeof(buf))) > 0) {
    output.append(buf, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  if (rc != 0) {
    return -1;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (out != nullptr) {
    *out = output;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

namespace {

bool ParseDetails(const grpc::Status& status, google::rpc::Status* out) {
  return !status.error_details().empty() && out->ParseFromString(status.error_details());
}

}  // namespace

std::string SqlIdOf(const std::string& name) {
  return absl::StrCat("UNHEX(REPLACE('", name.substr(name.rfind('/') + 1), "', '-', ''))");
}

std::string GrpcReason(const grpc::Status& status) {
  google::rpc::Status rpc;
  if (!ParseDetails(status, &rpc)) {
    return "";
  }
  for (const auto& any : rpc.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) {
      return info.reason();
    }
  }
  return "";
}

std::map<std::string, std::string> GrpcErrorMetadata(const grpc::Status& status) {
  google::rpc::Status rpc;
  if (!ParseDetails(status, &rpc)) {
    return {};
  }
  for (const auto& any : rpc.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) {
      return {info.metadata().begin(), info.metadata().end()};
    }
  }
  return {};
}

std::vector<std::string> GrpcViolationFields(const grpc::Status& status) {
  std::vector<std::string> fields;
  google::rpc::Status rpc;
  if (!ParseDetails(status, &rpc)) {
    return fields;
  }
  for (const auto& any : rpc.details()) {
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&bad)) {
      for (const auto& v : bad.field_violations()) {
        fields.push_back(v.field());
      }
    }
  }
  return fields;
}

}  // namespace cases::testing
