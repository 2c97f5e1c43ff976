// Soak: mixed load from 200 callers across 20 tenants for CASES_SOAK_SECONDS
// (60 by default; scripts/test --soak runs 600). Afterwards: no call failed, casesd's
// heap did not trend upward, its RSS stayed bounded, and nothing leaked — database
// connections, streams, in-flight calls and file descriptors are back at rest.
#include <dirent.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/world.h"

namespace cases::testing {
namespace {

constexpr int kTenants = 20;
constexpr int kCallers = 200;

// Resident set size of `pid` in MiB (0 when unreadable).
double RssMib(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  long long kib = 0;
  while (std::getline(status, line)) {
    if (std::sscanf(line.c_str(), "VmRSS: %lld kB", &kib) == 1) {
      return kib / 1024.0;
    }
  }
  return 0;
}

int OpenFds(pid_t pid) {
  int n = 0;
  if (DIR* dir = opendir(absl::StrCat("/proc/", pid, "/fd").c_str())) {
    while (readdir(dir) != nullptr) {
      ++n;
    }
    closedir(dir);
  }
  return n - 2;  // . and ..
}

// The value of an unlabelled gauge in a /metrics text (-1 when absent).
double Gauge(const std::string& metrics, const std::string& name) {
  const size_t at = metrics.find(absl::StrCat("\n", name, " "));
  double value = -1;
  if (at != std::string::npos) {
    const size_t start = at + name.size() + 2;
    (void)absl::SimpleAtod(metrics.substr(start, metrics.find('\n', start) - start), &value);
  }
  return value;
}

double Mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) {
    sum += x;
  }
  return v.empty() ? 0 : sum / v.size();
}

struct Tenant {
  std::string name, admin, ingester, service_request;
};

class SoakTest : public ::testing::Test {
 protected:
  SoakTest() : world_({"--metrics_listen=127.0.0.1:0", "--max_streams=100"}) {}

  // glibc counts blocks parked in its per-thread caches as in use, so with a couple
  // of hundred server threads "heap in use" creeps as the caches fill, leak or not.
  // The casesd under test runs without them (set before world_ starts it), which
  // makes the figure the live heap.
  static bool CasesdWithoutThreadCaches() {
    return setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1) == 0;
  }

  // Tallies one call's outcome under `op`.
  void Count(const std::string& op, const grpc::Status& status) {
    std::lock_guard<std::mutex> lock(mu_);
    if (status.ok()) {
      ++ok_[op];
    } else {
      ++failed_[absl::StrCat(op, " ", status.error_code(), " ", GrpcReason(status), " ",
                             status.error_message())];
    }
  }

  // One caller: a mix of what analysts, sensors and customers do, on its own cases.
  void Caller(int id, const Tenant& t, absl::Time end) {
    std::mt19937 rng(id);
    std::vector<v1::Case> mine;
    int sequence = 0;
    while (absl::Now() < end) {
      const int pick = rng() % 100;
      if (pick < 15 || mine.empty()) {
        v1::CreateCaseRequest request;
        request.set_parent(t.name);
        request.mutable_case_()->set_display_name(absl::StrCat("Soak case ", id, "-", sequence++));
        request.mutable_case_()->set_severity(v1::SEVERITY_HIGH);
        request.set_request_id(absl::StrCat("soak-", id, "-", sequence));
        v1::Case out;
        grpc::Status s =
            world_.stubs().cases->CreateCase(World::Context(t.admin).get(), request, &out);
        Count("CreateCase", s);
        if (s.ok()) {
          if (mine.size() >= 50) {
            mine.erase(mine.begin());
          }
          mine.push_back(out);
        }
      } else if (pick < 40) {
        v1::GetCaseRequest request;
        request.set_name(mine[rng() % mine.size()].name());
        v1::Case out;
        Count("GetCase",
              world_.stubs().cases->GetCase(World::Context(t.admin).get(), request, &out));
      } else if (pick < 55) {
        v1::Case& c = mine[rng() % mine.size()];
        v1::UpdateCaseRequest request;
        *request.mutable_case_() = c;
        request.mutable_case_()->set_description(absl::StrCat("update ", sequence++));
        request.mutable_update_mask()->add_paths("description");
        v1::Case out;
        grpc::Status s =
            world_.stubs().cases->UpdateCase(World::Context(t.admin).get(), request, &out);
        Count("UpdateCase", s);
        if (s.ok()) {
          c = out;
        }
      } else if (pick < 70) {
        v1::ListCasesRequest request;
        request.set_parent(t.name);
        request.set_page_size(20);
        if (pick % 2 == 0) {
          request.set_filter("severity >= SEVERITY_HIGH");
        }
        v1::ListCasesResponse out;
        Count("ListCases",
              world_.stubs().cases->ListCases(World::Context(t.admin).get(), request, &out));
      } else if (pick < 80) {
        v1::IngestDetectionsRequest request;
        request.set_parent(t.name);
        for (int i = 0; i < 20; ++i) {
          auto* d = request.add_detections();
          d->set_external_id(absl::StrCat("soak-", id, "-", sequence, "-", i));
          d->set_alert_key(absl::StrCat("host-", rng() % 10));
          d->set_product(v1::PRODUCT_XDR);
          d->set_severity(v1::SEVERITY_MEDIUM);
          d->set_title("Suspicious PowerShell");
          d->mutable_detect_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
        }
        ++sequence;
        v1::IngestDetectionsResponse out;
        Count("IngestDetections", world_.stubs().detections->IngestDetections(
                                      World::Context(t.ingester).get(), request, &out));
      } else if (pick < 85) {
        v1::ListDetectionsRequest request;
        request.set_parent(t.name);
        request.set_page_size(50);
        v1::ListDetectionsResponse out;
        Count("ListDetections", world_.stubs().detections->ListDetections(
                                    World::Context(t.admin).get(), request, &out));
      } else if (pick < 93) {
        v1::CreateMessageRequest request;
        request.set_parent(t.service_request);
        request.mutable_message()->set_body(absl::StrCat("status update ", id, "-", sequence++));
        v1::Message out;
        Count("CreateMessage",
              world_.stubs().requests->CreateMessage(World::Context(t.admin).get(), request, &out));
      } else {
        v1::GetCallerIdentityRequest request;
        v1::CallerIdentity out;
        Count("GetCallerIdentity", world_.stubs().tenancy->GetCallerIdentity(
                                       World::Context(t.admin).get(), request, &out));
      }
    }
  }

  // A customer console watching its service request: a stream reopened every few seconds.
  void Watcher(const Tenant& t, absl::Time end, std::atomic<long long>* delivered) {
    while (absl::Now() < end) {
      grpc::ClientContext context;
      context.AddMetadata("authorization", "Bearer " + t.admin);
      context.set_deadline(absl::ToChronoTime(std::min(end, absl::Now() + absl::Seconds(5))));
      v1::StreamMessagesRequest request;
      request.set_parent(t.service_request);
      auto reader = world_.stubs().requests->StreamMessages(&context, request);
      v1::Message m;
      while (reader->Read(&m)) {
        ++*delivered;
      }
      grpc::Status s = reader->Finish();
      // A watch ends by its deadline; that is how this console closes it.
      Count("StreamMessages",
            s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ? grpc::Status::OK : s);
    }
  }

  std::string Metrics() {
    httplib::Client http("127.0.0.1", world_.casesd().MetricsPort());
    auto response = http.Get("/metrics");
    return response && response->status == 200 ? response->body : "";
  }

  const bool without_thread_caches_ = CasesdWithoutThreadCaches();
  World world_;
  std::mutex mu_;
  std::map<std::string, long long> ok_, failed_;
};

TEST_F(SoakTest, MixedLoadFromManyTenantsFailsNothingAndLeaksNothing) {
  ASSERT_TRUE(world_.ok());
  const char* env = std::getenv("CASES_SOAK_SECONDS");
  const int seconds = env != nullptr ? std::atoi(env) : 60;
  ASSERT_GT(seconds, 0);

  std::vector<Tenant> tenants;
  for (int i = 0; i < kTenants; ++i) {
    Tenant t;
    t.name = world_.CreateTenant(world_.main_partner, v1::TENANT_KIND_TENANT,
                                 absl::StrCat("Soak customer ", i));
    ASSERT_FALSE(t.name.empty());
    world_.License(t.name, Licence::kPresent);
    t.admin = world_.Token("TENANT_ADMIN", t.name, absl::StrCat("admin-", i));
    t.ingester = world_.Token("DETECTION_INGESTER", t.name, absl::StrCat("sensor-", i));
    v1::CreateServiceRequestRequest create;
    create.set_parent(t.name);
    create.mutable_service_request()->set_type(v1::SERVICE_REQUEST_TYPE_MDR);
    create.mutable_service_request()->set_display_name("Soak watch");
    v1::ServiceRequest sr;
    ASSERT_TRUE(world_.stubs()
                    .requests->CreateServiceRequest(World::Context(t.admin).get(), create, &sr)
                    .ok());
    t.service_request = sr.name();
    tenants.push_back(t);
  }

  const pid_t pid = world_.casesd().pid();
  const std::string before = Metrics();
  ASSERT_FALSE(before.empty());
  const absl::Time start = absl::Now();
  const absl::Time end = start + absl::Seconds(seconds);
  std::atomic<long long> delivered{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kCallers; ++i) {
    threads.emplace_back([&, i] { Caller(i, tenants[i % kTenants], end); });
  }
  for (const Tenant& t : tenants) {
    threads.emplace_back([&] { Watcher(t, end, &delivered); });
  }

  // casesd's RSS and heap in use once a second; open descriptors once warmed up.
  std::vector<double> rss, heap, statements;
  int fds_warm = 0;
  while (absl::Now() < end) {
    absl::SleepFor(absl::Seconds(1));
    rss.push_back(RssMib(pid));
    const std::string sample = Metrics();
    heap.push_back(Gauge(sample, "cases_heap_in_use_bytes") / (1 << 20));
    statements.push_back(Gauge(sample, "cases_db_statements_cached"));
    if (rss.size() == static_cast<size_t>(std::max(2, seconds / 4))) {
      fds_warm = OpenFds(pid);
    }
  }
  for (auto& t : threads) {
    t.join();
  }

  long long calls = 0;
  for (const auto& [op, n] : ok_) {
    calls += n;
    std::printf("  %-18s %lld\n", op.c_str(), n);
  }
  for (const auto& [what, n] : failed_) {
    ADD_FAILURE() << n << " × " << what;
  }
  EXPECT_GT(ok_["CreateCase"], 0);
  EXPECT_GT(ok_["StreamMessages"], 0);
  EXPECT_GT(delivered.load(), 0);

  // Memory, after the first quarter (warm-up: pools, caches, arenas). A leak shows in
  // the heap in use: its last-quarter mean stays within 10 % of the second quarter's.
  // RSS also counts what glibc keeps after frees (fragmentation, per-thread arenas),
  // which creeps without a leak: it must stay within 25 % and under 256 MiB.
  ASSERT_GE(rss.size(), 8u);
  const size_t q = rss.size() / 4;
  const double second = Mean({rss.begin() + q, rss.begin() + 2 * q});
  const double last = Mean({rss.end() - q, rss.end()});
  const double peak = *std::max_element(rss.begin(), rss.end());
  const double heap_second = Mean({heap.begin() + q, heap.begin() + 2 * q});
  const double heap_last = Mean({heap.end() - q, heap.end()});
  const double statements_second = Mean({statements.begin() + q, statements.begin() + 2 * q});
  const double statements_last = Mean({statements.end() - q, statements.end()});
  EXPECT_GT(heap_second, 0);
  EXPECT_LE(heap_last, heap_second * 1.10)
      << "heap in use grows: " << heap_second << " → " << heap_last << " MiB";
  EXPECT_LE(last, second * 1.25) << "RSS grows: " << second << " MiB → " << last << " MiB";
  EXPECT_LT(peak, 256);

  // Leaks: once the load stops, everything held per call is given back.
  std::string after;
  ASSERT_TRUE(WaitFor([&] {
    after = Metrics();
    return Gauge(after, "cases_streams_open") == 0 && Gauge(after, "cases_db_pool_in_use") == 0 &&
           Gauge(after, "cases_grpc_in_flight") == 0;
  })) << after;
  EXPECT_LE(Gauge(after, "cases_db_pool_size"), 16);
  const int db_sessions = static_cast<int>(world_.db().QueryInt(
      absl::StrCat("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '",
                   world_.db().config().database, "'")));
  EXPECT_LE(db_sessions, 16 + 1);  // the pool's, plus this query's own
  const int fds_after = OpenFds(pid);
  EXPECT_LE(fds_after, fds_warm + 8)
      << "descriptors: " << fds_warm << " warm, " << fds_after << " after";

  std::printf(
      "soak %d s: %lld calls (%.0f/s) from %d callers on %d tenants, %lld messages streamed; "
      "casesd RSS %.0f MiB (2nd quarter mean) → %.0f MiB (last quarter), peak %.0f; heap in use "
      "%.1f → %.1f MiB; "
      "fds %d → %d; statements cached %.0f → %.0f; pool waits %.0f, mean %.0f ms, longest "
      "%.0f ms\n",
      seconds, calls, calls / absl::ToDoubleSeconds(absl::Now() - start), kCallers, kTenants,
      delivered.load(), second, last, peak, heap_second, heap_last, fds_warm, fds_after,
      statements_second, statements_last, Gauge(after, "cases_db_pool_waits_total"),
      1000 * Gauge(after, "cases_db_pool_wait_seconds_total") /
          std::max(1.0, Gauge(after, "cases_db_pool_waits_total")),
      1000 * Gauge(after, "cases_db_pool_wait_longest_seconds"));
  RecordProperty("calls", std::to_string(calls));
  RecordProperty("rss_peak_mib", std::to_string(peak));
}

}  // namespace
}  // namespace cases::testing
