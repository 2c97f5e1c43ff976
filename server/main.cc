// casesd: serve (default), `migrate` or `bootstrap`.
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "common/executor.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/memory_releaser.h"
#include "common/status_macros.h"
#include "domain/webhook_dispatcher.h"
#include "server/activity_service.h"
#include "server/automation_service.h"
#include "server/case_service.h"
#include "server/config.h"
#include "server/detection_service.h"
#include "server/http_bridge.h"
#include "server/malformed_request.h"
#include "server/metrics.h"
#include "server/retention_job.h"
#include "server/server.h"
#include "server/service_request_service.h"
#include "server/tenancy_service.h"
#include "server/tenant_limiter.h"
#include "sql/migrate.h"
#include "sql/pool.h"
#include "sql/sla_store.h"
#include "sql/subscription_store.h"
#include "sql/tenant_store.h"
#include "tenancy/authenticator.h"
#include "tenancy/directory.h"
#include "tenancy/guard.h"
#include "tenancy/jws.h"

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

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError("cannot read " + path);
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

absl::StatusOr<std::map<std::string, tenancy::VerificationKey>> LoadJwks(const Config& config) {
  if (config.jwks_path.empty()) {
    Log(LogLevel::kWarning, "no --jwks: every call will be UNAUTHENTICATED");
    return std::map<std::string, tenancy::VerificationKey>();
  }
  ASSIGN_OR_RETURN(auto text, ReadFile(config.jwks_path));
  return tenancy::ParseJwks(text);
}

absl::StatusOr<std::optional<tenancy::VerificationKey>> LoadLicenseAuthority(const Config& config) {
  if (config.license_authority_key_path.empty()) {
    Log(LogLevel::kWarning, "no --license_authority_key: InstallLicense is off");
    return std::optional<tenancy::VerificationKey>();
  }
  ASSIGN_OR_RETURN(auto text, ReadFile(config.license_authority_key_path));
  auto key = tenancy::ParsePublicKeyPem(text);
  if (!key.ok()) {
    return key.status();
  }
  return std::optional<tenancy::VerificationKey>(*key);
}

int RunBootstrap(const Config& config) {
  if (config.db_dsn.empty()) {
    return Fail(absl::InvalidArgumentError("--db (CASES_DB) is required"));
  }
  sql::ConnectionPool pool(config.db, sql::PoolOptions{});
  sql::TenantStore store(&pool);
  auto provider = store.EnsureProvider(config.display_name);
  if (!provider.ok()) {
    return Fail(provider.status());
  }
  std::printf("%s\n", TenantName(provider->id).c_str());
  return 0;
}

// The database pool's gauges and counters, sampled at each scrape.
void AddPoolMetrics(Metrics* m, sql::ConnectionPool* p) {
  m->AddSampled("cases_db_pool_size", "Database connections open.", "gauge",
                [p] { return p->Stats().size; });
  m->AddSampled("cases_db_pool_in_use", "Database connections lent out.", "gauge",
                [p] { return p->Stats().in_use; });
  m->AddSampled("cases_db_pool_max", "Most database connections the pool opens.", "gauge",
                [p] { return p->Stats().max_size; });
  m->AddSampled("cases_db_pool_acquires_total", "Database connections lent out.", "counter",
                [p] { return static_cast<double>(p->Stats().acquires); });
  m->AddSampled("cases_db_pool_waits_total", "Connection borrows that had to wait.", "counter",
                [p] { return static_cast<double>(p->Stats().waits); });
  m->AddSampled("cases_db_pool_wait_seconds_total", "Time spent waiting for a connection.",
                "counter", [p] { return absl::ToDoubleSeconds(p->Stats().wait_time); });
  m->AddSampled("cases_db_pool_wait_longest_seconds",
                "The longest wait for a connection since start, served or not.", "gauge",
                [p] { return absl::ToDoubleSeconds(p->Stats().longest_wait); });
  m->AddSampled("cases_db_pool_timeouts_total", "Connection borrows that gave up (UNAVAILABLE).",
                "counter", [p] { return static_cast<double>(p->Stats().timeouts); });
  m->AddSampled("cases_db_statements_cached",
                "Prepared statements kept on open database connections.", "gauge",
                [p] { return static_cast<double>(p->Stats().statements_cached); });
  m->AddSampled("cases_db_statements_prepared_total",
                "Statements prepared on the server, cached or not.", "counter",
                [p] { return static_cast<double>(p->Stats().statements_prepared); });
  m->AddSampledSeries("cases_db_host_in_use",
                      "1 for the database host new connections go to, 0 for the others.", "gauge",
                      "host", [p, hosts = p->HostLabels()] {
                        const size_t current = p->Stats().current_host;
                        Metrics::Series series;
                        for (size_t i = 0; i < hosts.size(); ++i) {
                          series.emplace_back(hosts[i], i == current ? 1.0 : 0.0);
                        }
                        return series;
                      });
  m->AddSampled("cases_db_host_changes_total",
                "Times the pool moved to another database host (one failed or was not ready).",
                "counter", [p] { return static_cast<double>(p->Stats().failovers); });
}

// Grouping, streams, the heap and retention, sampled at each scrape.
void AddServiceMetrics(Metrics* m, sql::CaseStore* cases, domain::ActivityHub* hub,
                       RetentionJob* job) {
  m->AddSampled("cases_case_create_groups_total",
                "Transactions that created cases; creates arriving together in a tenant share one.",
                "counter",
                [cases] { return static_cast<double>(cases->CreateGroupStats().groups); });
  m->AddSampled("cases_case_creates_grouped_total", "Case creates run through those transactions.",
                "counter",
                [cases] { return static_cast<double>(cases->CreateGroupStats().items); });
  m->AddSampled("cases_case_update_groups_total",
                "Transactions that updated single cases; updates arriving together in a tenant "
                "share one.",
                "counter",
                [cases] { return static_cast<double>(cases->UpdateGroupStats().groups); });
  m->AddSampled("cases_case_updates_grouped_total", "Case updates run through those transactions.",
                "counter",
                [cases] { return static_cast<double>(cases->UpdateGroupStats().items); });
  m->AddSampled(
      "cases_case_get_groups_total",
      "Queries that read cases for GetCase; reads arriving together in a tenant share one.",
      "counter", [cases] { return static_cast<double>(cases->GetGroupStats().groups); });
  m->AddSampled("cases_case_gets_grouped_total", "Case reads answered by those queries.", "counter",
                [cases] { return static_cast<double>(cases->GetGroupStats().items); });
  m->AddSampled("cases_streams_open", "Open StreamMessages and StreamActivities calls.", "gauge",
                [hub] { return hub->open_streams(); });
  m->AddSampled("cases_stream_topics_open", "Tenants whose feed this replica follows for streams.",
                "gauge", [hub] { return hub->open_topics(); });
  // glibc's view of the heap: in use by the program vs held from the system but free
  // (fragmentation) — what tells a leak from an allocator keeping memory.
  m->AddSampled("cases_heap_in_use_bytes", "Heap bytes allocated and not freed (glibc mallinfo2).",
                "gauge", [] { return static_cast<double>(mallinfo2().uordblks); });
  m->AddSampled("cases_heap_free_bytes", "Heap bytes free but still held by the allocator.",
                "gauge", [] { return static_cast<double>(mallinfo2().fordblks); });
  m->AddSampled("cases_retention_deleted_total", "Resolved cases deleted by the retention job.",
                "counter", [job] { return static_cast<double>(job->deleted_total()); });
  m->AddSampled("cases_activities_purged_total",
                "Activities older than --activity_retention deleted by the retention job.",
                "counter", [job] { return static_cast<double>(job->activities_deleted_total()); });
}

int RunServe(Config& config) {
  if (absl::Status s = ValidateForServing(&config); !s.ok()) {
    return Fail(s);
  }
  if (config.page_token_key.empty()) {
    Log(LogLevel::kWarning,
        "no --page_token_key: page tokens use a random key of this process, so they do not "
        "survive a restart or work on other replicas");
  }
  // SIGTERM and SIGINT are taken by one thread with sigwait; block them before
  // gRPC and the pool start threads so no other thread receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  if (absl::Status s = tenancy::Guard::CheckTableCoversApi(); !s.ok()) {
    return Fail(s);
  }
  auto keys = LoadJwks(config);
  if (!keys.ok()) {
    return Fail(keys.status());
  }
  auto license_authority = LoadLicenseAuthority(config);
  if (!license_authority.ok()) {
    return Fail(license_authority.status());
  }
  sql::ConnectionPool pool(config.db, sql::PoolOptions{});
  sql::TenantStore tenant_store(&pool);
  tenancy::TenantDirectory directory(&tenant_store, config.tenancy_cache_ttl);
  tenancy::AuthenticatorOptions auth_options;
  auth_options.issuer = config.issuer;
  auth_options.audience = config.audience;
  tenancy::Authenticator authenticator(std::move(*keys), auth_options);
  tenancy::Guard guard(&authenticator, &directory);
  Metrics metrics;
  TenantLimiter limiter(config.tenant_limits);
  // The stream reactors' blocking work (opening a stream, reading its backlog) and
  // their takes from the hub. Each thread has at most one database round trip in
  // flight, so never more threads than connections; and eight round trips in
  // flight keep the machine busy: 10 000 streams opened in 2.1 s with 8 threads,
  // 2.3 s with 48 and 2.9 s with 4, and delivered to no slower, while the 40 more
  // threads only sat idle (scripts/bench stream_many).
  constexpr int kStreamThreads = 8;
  Executor executor(std::min(pool.Stats().max_size, kStreamThreads));
  const Edge edge{&guard, &metrics, &limiter, &executor};

  sql::CaseStore case_store(&pool);
  sql::QueueStore queue_store(&pool);
  sql::SlaStore sla_store(&pool, config.tenancy_cache_ttl);
  const domain::Cases cases(&guard, &case_store, &queue_store, &sla_store, config.retention);
  CaseServiceImpl case_service(&edge, &cases);
  sql::CaseRuleStore case_rule_store(&pool);
  const domain::Automation automation(&guard, &case_rule_store, &sla_store,
                                      config.tenancy_cache_ttl);
  sql::DetectionStore detection_store(&pool);
  const domain::Detections detections(&guard, &detection_store, &automation);
  DetectionServiceImpl detection_service(&edge, &detections);
  sql::ActivityStore activity_store(&pool);
  domain::ActivityHubOptions hub_options;
  hub_options.max_streams = config.max_streams;
  hub_options.buffer_activities = static_cast<size_t>(config.stream_buffer);
  domain::ActivityHub activity_hub(&activity_store, hub_options);
  // Every commit that wrote activities wakes this replica's streams at once.
  std::atomic<long long> activities_written{0};
  pool.set_commit_listener([&](const std::vector<std::string>& tenants, size_t written) {
    activities_written += static_cast<long long>(written);
    activity_hub.Notify(tenants);
  });
  const domain::Activities activities(&guard, &activity_store, &activity_hub);
  // Webhooks: one dispatcher per replica; subscriptions wake it when they change.
  auto pins = webhook::ParsePins(config.webhook_resolve);
  if (!pins.ok()) {
    return Fail(pins.status());
  }
  webhook::SenderOptions sender_options;
  sender_options.policy = {config.webhook_allow_private, *pins};
  sender_options.ca_file = config.webhook_ca_file;
  const webhook::Sender sender(sender_options);
  sql::SubscriptionStore subscription_store(&pool);
  domain::DispatcherOptions dispatcher_options;
  dispatcher_options.owner = absl::StrCat(IdToText(NewIdBytes()).substr(0, 12), "-", getpid());
  dispatcher_options.lease = config.webhook_lease;
  dispatcher_options.observe = [&metrics](const domain::DeliveryObservation& o) {
    metrics.DeliveryFinished(o.outcome, o.latency, o.since_commit);
  };
  dispatcher_options.probe_every = config.webhook_probe_every;
  dispatcher_options.backlog =
      [&metrics](const std::map<std::string, std::optional<absl::Time>>& oldest) {
        metrics.SetWebhookBacklog(oldest);
      };
  domain::WebhookDispatcher dispatcher(&guard, &directory, &subscription_store, &activity_store,
                                       &activity_hub, &sender, dispatcher_options);
  const domain::Subscriptions subscriptions(&subscription_store, sender_options.policy,
                                            [&dispatcher] { dispatcher.Wake(); });
  AutomationServiceImpl automation_service(&edge, &automation, &subscriptions);
  ActivityServiceImpl activity_service(&edge, &activities);
  sql::ServiceRequestStore service_request_store(&pool);
  const domain::ServiceRequests service_requests(&guard, &service_request_store, &activity_hub);
  ServiceRequestServiceImpl service_request_service(&edge, &service_requests);
  const domain::TenancyAdmin tenancy_admin(&directory, &tenant_store, *license_authority);
  TenancyServiceImpl tenancy_service(&edge, &tenancy_admin);
  CasesServer server(config,
                     {&case_service, &detection_service, &service_request_service, &tenancy_service,
                      &automation_service, &activity_service},
                     &edge);
  if (absl::Status s = server.Start(); !s.ok()) {
    return Fail(s);
  }
  RetentionJob retention(&tenant_store, &pool, &activity_store, config.retention_interval,
                         config.activity_retention);
  retention.set_deliveries(&subscription_store);
  retention.Start();
  MemoryReleaser memory_releaser(config.memory_release_interval,
                                 [&activity_hub] { return activity_hub.open_streams(); });
  memory_releaser.Start();
  dispatcher.Start();
  AddPoolMetrics(&metrics, &pool);
  AddServiceMetrics(&metrics, &case_store, &activity_hub, &retention);
  metrics.AddSampled("cases_executor_queued",
                     "Stream steps waiting for a thread of the stream executor.", "gauge",
                     [&] { return static_cast<double>(executor.queued()); });
  metrics.AddSampled("cases_memory_release_seconds_total",
                     "Time spent giving freed heap memory back to the system.", "counter",
                     [&] { return absl::ToDoubleSeconds(memory_releaser.time_spent()); });
  metrics.AddSampled("cases_activities_written_total",
                     "Activities committed to the change feed by this replica.", "counter",
                     [&] { return static_cast<double>(activities_written.load()); });
  HttpBridgeOptions http_options;
  http_options.listen = config.http_listen;
  http_options.cors_origins = config.cors_origins;
  http_options.console_dir = config.console_dir;
  HttpBridge http_bridge(http_options, server.InProcessChannel(), &edge);
  if (!config.http_listen.empty()) {
    if (absl::Status s = http_bridge.Start(); !s.ok()) {
      return Fail(s);
    }
  }
  MetricsHttpServer metrics_http(&metrics);
  if (!config.metrics_listen.empty()) {
    if (absl::Status s = metrics_http.Start(config.metrics_listen); !s.ok()) {
      return Fail(s);
    }
  }
  std::thread signal_thread([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    Log(LogLevel::kInfo, "signal received", {{"signal", signal}});
    activity_hub.Shutdown();  // open streams end first, so the drain is not held up by them
    http_bridge.StopAccepting();
    server.Shutdown(config.drain_timeout);
  });
  server.Wait();
  signal_thread.join();
  executor.Shutdown();  // no call is left; what it still runs must find the hub alive
  http_bridge.Stop();
  dispatcher.Stop();
  retention.Stop();
  memory_releaser.Stop();
  metrics_http.Stop();
  Log(LogLevel::kInfo, "stopped");
  return 0;
}

}  // namespace
}  // namespace cases::server

int main(int argc, char** argv) {
  // Abseil's mutex deadlock detection (on in Debian's build) costs a graph update
  // per lock on the hot path; lock order is covered by TSan runs instead.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // glibc gives each thread that allocates its own arena (up to 8 per core), and
  // gRPC's many threads keep freed memory parked in them: a few shared arenas keep
  // peak RSS down at no measurable cost.
  mallopt(M_ARENA_MAX, 4);
  cases::server::RouteLibraryLogsToJson();
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
  if (command == "bootstrap") {
    return cases::server::RunBootstrap(config);
  }
  std::fprintf(stderr, "casesd: unknown command %s (serve, migrate, bootstrap)\n", command.c_str());
  return 2;
}
