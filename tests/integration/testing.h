// Test helpers: a fresh schema per test on the real MariaDB started by
// scripts/test, a real casesd process, a StatusIs matcher and condition waits.
#ifndef CASES_TESTS_INTEGRATION_TESTING_H_
#define CASES_TESTS_INTEGRATION_TESTING_H_

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "common/sync.h"
#include "sql/dsn.h"
#include "sql/pool.h"
#include "tests/unit/unit_testing.h"

namespace cases::testing {

// Root DSN of the test server (CASES_TEST_DB, set by scripts/test).
sql::DbConfig TestServerConfig();

// A database of its own for one test: created and migrated in the constructor,
// dropped in the destructor.
class TestDatabase {
 public:
  TestDatabase();
  // On another server (root DSN), e.g. a private one a test stops and restarts.
  explicit TestDatabase(const sql::DbConfig& server);
  ~TestDatabase();
  const sql::DbConfig& config() const { return config_; }
  // mysql://... DSN of this database, for casesd --db.
  std::string Dsn() const;
  sql::ConnectionPool& pool() { return *pool_; }
  // Runs a statement as root on this database (setup and inspection only).
  void Execute(const std::string& statement);
  long long QueryInt(const std::string& statement);

 private:
  void Init(const sql::DbConfig& server);
  sql::DbConfig server_;
  sql::DbConfig config_;
  std::unique_ptr<sql::ConnectionPool> pool_;
};

// A real casesd child process on 127.0.0.1:0.
class CasesdProcess {
 public:
  // Starts casesd with these extra flags (--db is required among them) and waits
  // for its "serving" log line.
  explicit CasesdProcess(std::vector<std::string> flags);
  ~CasesdProcess();
  bool started() const { return port_ > 0; }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::shared_ptr<grpc::Channel> Channel() const;
  pid_t pid() const { return pid_; }
  // The /metrics port it logged (started with --metrics_listen=127.0.0.1:0); 0 if none.
  int MetricsPort() const;
  // The HTTP bridge port it logged (started with --http_listen=127.0.0.1:0); 0 if none.
  int HttpPort() const;
  // The value of one series of its /metrics, named with its labels as exposed
  // (`cases_db_pool_size`, `cases_db_host_in_use{host="127.0.0.1:3306"}`); -1 when
  // /metrics does not answer or has no such series.
  double Metric(const std::string& series) const;
  // Sends `signal` and waits for the exit status (-1 on timeout).
  int Stop(int signal, absl::Duration timeout = absl::Seconds(30));
  // Everything the process wrote to stderr so far.
  std::string Log() const;

 private:
  // Reads the child's stderr until it closes, so a chatty child never blocks on a full pipe.
  void DrainStderr();
  pid_t pid_ = -1;
  int stderr_fd_ = -1;
  int port_ = 0;
  mutable Mutex mu_;
  std::string log_ ABSL_GUARDED_BY(mu_);
  std::thread reader_;
};

// Runs `binary args...` to completion; returns the exit code, stdout in *out.
int RunCommand(const std::vector<std::string>& argv, std::string* out = nullptr);

// The ErrorInfo reason of a grpc::Status (empty when it has none).
std::string GrpcReason(const grpc::Status& status);

// The SQL expression of a resource's stored 16-byte id, from its name or bare id
// ("tenants/t/cases/c" → UNHEX(REPLACE('c', '-', ''))), for the statements tests run on
// the database themselves.
std::string SqlIdOf(const std::string& name);
// The ErrorInfo metadata of a grpc::Status (empty when it has none).
std::map<std::string, std::string> GrpcErrorMetadata(const grpc::Status& status);
// The BadRequest field paths of a grpc::Status.
std::vector<std::string> GrpcViolationFields(const grpc::Status& status);

MATCHER_P2(StatusIs, code, reason,
           std::string(negation ? "isn't" : "is") + " code " + ::testing::PrintToString(code) +
               " with reason '" + std::string(reason) + "'") {
  const int actual_code = static_cast<int>(arg.error_code());
  const std::string actual_reason = ::cases::testing::GrpcReason(arg);
  *result_listener << "code " << actual_code << " (" << arg.error_message() << "), reason '"
                   << actual_reason << "'";
  return actual_code == static_cast<int>(code) && actual_reason == std::string(reason);
}

}  // namespace cases::testing

#endif  // CASES_TESTS_INTEGRATION_TESTING_H_
