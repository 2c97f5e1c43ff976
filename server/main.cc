// casesd: serve (default), `migrate` or `bootstrap`.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include "absl/strings/str_join.h"
#include "common/log.h"
#include "server/config.h"
#include "server/server.h"
#include "soc/cases/v1/case_service.grpc.pb.h"
#include "soc/cases/v1/detection_service.grpc.pb.h"
#include "soc/cases/v1/service_request_service.grpc.pb.h"
#include "soc/cases/v1/tenancy_service.grpc.pb.h"
#include "sql/migrate.h"
#include "sql/pool.h"

namespace cases::server {
namespace {

int Fail(const absl::Status& status) {
  Log(LogLevel::kError, "fatal", {{"error", std::string(status.message())}});
  return 1;
}

int RunMigrate(const Config& config) {
  if (config.db_dsn.empty()) {
    return Fail(absl::InvalidArgumentError("--db (CASES_DB) is required"));
  }
  auto applied = sql::Migrate(config.db);
  if (!applied.ok()) {
    return Fail(applied.status());
  }
  Log(LogLevel::kInfo, "migrations applied",
      {{"applied", absl::StrJoin(*applied, ",")}, {"db", sql::RedactedDsn(config.db)}});
  return 0;
}

int RunServe(Config& config) {
  if (absl::Status s = ValidateForServing(&config); !s.ok()) {
    return Fail(s);
  }
  // SIGTERM and SIGINT are taken by one thread with sigwait; block them before
  // gRPC and the pool start threads so no other thread receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  sql::ConnectionPool pool(config.db, sql::PoolOptions{});
  soc::cases::v1::CaseService::Service case_service;
  soc::cases::v1::DetectionService::Service detection_service;
  soc::cases::v1::ServiceRequestService::Service service_request_service;
  soc::cases::v1::TenancyService::Service tenancy_service;
  CasesServer server(config,
                     {&case_service, &detection_service, &service_request_service, &tenancy_service});
  if (absl::Status s = server.Start(); !s.ok()) {
    return Fail(s);
  }
  std::thread signal_thread([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    Log(LogLevel::kInfo, "signal received", {{"signal", signal}});
    server.Shutdown(config.drain_timeout);
  });
  server.Wait();
  signal_thread.join();
  Log(LogLevel::kInfo, "stopped");
  return 0;
}

}  // namespace
}  // namespace cases::server

int main(int argc, char** argv) {
  cases::server::Config config;
  auto positional = cases::server::ParseFlags(argc, argv, &config);
  if (!positional.ok()) {
    std::fprintf(stderr, "casesd: %s\n", std::string(positional.status().message()).c_str());
    return 2;
  }
  const std::string command = positional->size() > 1 ? (*positional)[1] : "serve";
  if (command == "serve") {
    return cases::server::RunServe(config);
  }
  if (command == "migrate") {
    return cases::server::RunMigrate(config);
  }
  std::fprintf(stderr, "casesd: unknown command %s (serve, migrate, bootstrap)\n", command.c_str());
  return 2;
}
