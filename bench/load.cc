// The load generator of scripts/bench, on the SDK: a closed loop of N callers
// running one scenario for a warm-up and then a measured duration, printing one
// JSON line: ops/s, p50/p99/p999 latency (ms), errors.
//
//   cases_load --addr HOST:PORT --token T --scenario NAME [--concurrency 32] [--warmup 2s]
//              [--duration 10s] [--tenant tenants/ID] [--filter F] [--deep 1000] [--streams 100]
// --label NAME prints the result under NAME (the same scenario with other flags).
// Scenarios: health, whoami, get_case, create_case, create_note, update_case, list_first,
// list_deep, stats and stats_all (GetCaseStats of --tenant, e.g. tenants/-, with --filter),
// close_single and close_batch (close and re-open cases: 100 UpdateCase calls vs one
// BatchUpdateCases of 100),
//            ingest (batches of 500), stream_fanout (messages delivered per second),
//            activity_stream (commit-to-delivery latency of StreamActivities while cases are
//            created), webhook_delivery (a subscription to an HTTPS receiver in this process,
//            --receiver_cert/--receiver_key, while cases are created: activities delivered per
//            second and commit-to-delivery latency), get_case_connect (GetCase as Connect JSON
//            over one keep-alive HTTP/1.1 connection per caller to --http HOST:PORT),
//            message_stream (commit-to-delivery latency of StreamMessages while messages are
//            posted; --wire grpc, or connect for a Connect server stream over --http),
//            stream_many (--streams readers held open at once, messages fanned out to
//            all of them; casesd's threads, memory and fds from /proc of --casesd_pid).
#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/histogram.h"
#include "cases/client.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace cases::bench {
namespace {

namespace v1 = ::soc::cases::v1;

struct Options {
  std::string addr = "127.0.0.1:50051", token, scenario, tenant, label,
              filter = "severity >= SEVERITY_HIGH";
  int concurrency = 32, deep = 1000, streams = 100, batch = 500;
  absl::Duration warmup = absl::Seconds(2), duration = absl::Seconds(10);
  std::string receiver_cert, receiver_key;
  std::string http = "127.0.0.1:8080", wire = "grpc";  // casesd's HTTP listener; a stream's wire
  int casesd_pid = 0;  // whose threads, memory and fds stream_many reports
};

// One operation of a scenario for caller `worker`; returns whether it succeeded.
using Operation = std::function<bool(int worker, std::mt19937_64& rng)>;

struct Result {
  double ops_per_s = 0, p50_ms = 0, p99_ms = 0, p999_ms = 0;
  int64_t calls = 0, errors = 0;
};

// What a commit-to-delivery scenario collects: each item's delay from its commit
// (its create_time) to its arrival here, counted only in the measured window.
struct Arrivals {
  std::atomic<bool> measuring{false};
  absl::Mutex mu;
  LatencyHistogram delays ABSL_GUARDED_BY(mu);
  long long received ABSL_GUARDED_BY(mu) = 0;

  void Record(const google::protobuf::Timestamp& create_time) {
    const absl::Time now = absl::Now();
    if (!measuring.load(std::memory_order_relaxed)) {
      return;
    }
    const absl::Time committed =
        absl::FromUnixSeconds(create_time.seconds()) + absl::Nanoseconds(create_time.nanos());
    absl::MutexLock lock(&mu);
    delays.Record(absl::ToInt64Microseconds(now - committed));
    ++received;
  }
};

// Runs `op` on `concurrency` threads (each with its own channel, like separate
// clients), recording only the measured window.
Result Drive(const Options& o, const Operation& op) {
  std::atomic<bool> measuring{false}, stop{false};
  std::vector<LatencyHistogram> histograms(o.concurrency);
  std::vector<int64_t> errors(o.concurrency, 0);
  std::vector<std::thread> threads;
  for (int w = 0; w < o.concurrency; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937_64 rng(w * 7919 + 1);
      while (!stop.load(std::memory_order_relaxed)) {
        const absl::Time start = absl::Now();
        const bool ok = op(w, rng);
        if (measuring.load(std::memory_order_relaxed)) {
          histograms[w].Record(absl::ToInt64Microseconds(absl::Now() - start));
          errors[w] += ok ? 0 : 1;
        }
      }
    });
  }
  absl::SleepFor(o.warmup);
  measuring = true;
  const absl::Time begin = absl::Now();
  absl::SleepFor(o.duration);
  measuring = false;
  const double seconds = absl::ToDoubleSeconds(absl::Now() - begin);
  stop = true;
  for (auto& t : threads) {
    t.join();
  }
  LatencyHistogram all;
  Result r;
  for (int w = 0; w < o.concurrency; ++w) {
    all.Merge(histograms[w]);
    r.errors += errors[w];
  }
  r.calls = all.count();
  r.ops_per_s = static_cast<double>(r.calls) / seconds;
  r.p50_ms = all.Percentile(0.50) / 1000;
  r.p99_ms = all.Percentile(0.99) / 1000;
  r.p999_ms = all.Percentile(0.999) / 1000;
  return r;
}

class Bench {
 public:
  explicit Bench(Options o) : o_(std::move(o)) {
    for (int w = 0; w < o_.concurrency; ++w) {
      // One channel per caller: separate HTTP/2 connections, as separate clients have.
      grpc::ChannelArguments args;
      args.SetInt("grpc.channel_id", w);
      auto channel = grpc::CreateCustomChannel(o_.addr, grpc::InsecureChannelCredentials(), args);
      clients_.push_back(std::make_unique<client::Client>(channel, o_.token));
    }
  }

  int Run() {
    Result r;
    double items_per_op = 1;
    const std::string& s = o_.scenario;
    if (s == "health") {
      std::vector<std::unique_ptr<grpc::health::v1::Health::Stub>> stubs;
      for (auto& c : clients_) {
        stubs.push_back(grpc::health::v1::Health::NewStub(c->channel()));
      }
      r = Drive(o_, [&](int w, std::mt19937_64&) {
        grpc::ClientContext context;
        grpc::health::v1::HealthCheckRequest request;
        grpc::health::v1::HealthCheckResponse response;
        return stubs[w]->Check(&context, request, &response).ok();
      });
    } else if (s == "whoami") {
      r = Drive(o_, [&](int w, std::mt19937_64&) {
        v1::CallerIdentity out;
        return Call(w, &v1::TenancyService::Stub::GetCallerIdentity, v1::GetCallerIdentityRequest(),
                    &out, &client::Client::tenancy);
      });
    } else if (s == "create_note") {
      const std::vector<std::string> names = CaseNames();
      if (names.empty()) {
        return Fail("no cases to write notes on");
      }
      r = Drive(o_, [&](int w, std::mt19937_64& rng) {
        v1::CreateCaseNoteRequest request;
        request.set_parent(names[rng() % names.size()]);
        request.mutable_note()->set_body("Checked the host: **no persistence** found.");
        v1::CaseNote out;
        return Call(w, &v1::CaseService::Stub::CreateCaseNote, request, &out,
                    &client::Client::cases);
      });
    } else if (s == "get_case" || s == "get_case_connect" || s == "update_case") {
      const std::vector<std::string> names = CaseNames();
      if (names.empty()) {
        return Fail("no cases to read");
      }
      if (s == "get_case") {
        r = Drive(o_, [&](int w, std::mt19937_64& rng) {
          v1::GetCaseRequest request;
          request.set_name(names[rng() % names.size()]);
          v1::Case out;
          return Call(w, &v1::CaseService::Stub::GetCase, request, &out, &client::Client::cases);
        });
      } else if (s == "get_case_connect") {
        // The same reads as get_case, as a browser or curl sends them: Connect
        // unary JSON, one keep-alive HTTP/1.1 connection per caller.
        std::vector<std::unique_ptr<httplib::Client>> http;
        for (int w = 0; w < o_.concurrency; ++w) {
          http.push_back(HttpClient());
        }
        const httplib::Headers headers = HttpHeaders();
        r = Drive(o_, [&](int w, std::mt19937_64& rng) {
          const std::string body = absl::StrCat("{\"name\":\"", names[rng() % names.size()], "\"}");
          auto response =
              http[w]->Post("/soc.cases.v1.CaseService/GetCase", headers, body, "application/json");
          v1::Case out;
          return response && response->status == 200 &&
                 google::protobuf::util::JsonStringToMessage(response->body, &out).ok();
        });
      } else {
        r = Drive(o_, [&](int w, std::mt19937_64& rng) {
          v1::UpdateCaseRequest request;
          request.mutable_case_()->set_name(names[rng() % names.size()]);
          request.mutable_case_()->set_assignee(absl::StrCat("analyst-", rng() % 50));
          request.mutable_update_mask()->add_paths("assignee");
          v1::Case out;
          return Call(w, &v1::CaseService::Stub::UpdateCase, request, &out, &client::Client::cases);
        });
      }
    } else if (s == "stats" || s == "stats_all") {
      r = Drive(o_, [&](int w, std::mt19937_64&) {
        v1::GetCaseStatsRequest request;
        request.set_parent(o_.tenant);
        request.set_filter(o_.filter);
        v1::CaseStats out;
        return Call(w, &v1::CaseService::Stub::GetCaseStats, request, &out,
                    &client::Client::cases) &&
               out.total() > 0;
      });
    } else if (s == "close_single" || s == "close_batch") {
      // Each caller owns 100 cases and toggles them: all closed, then all re-opened,
      // as 100 UpdateCase calls or as one BatchUpdateCases. Items are cases.
      constexpr int kPerCaller = 100;
      const size_t wanted = static_cast<size_t>(kPerCaller) * o_.concurrency;
      const std::vector<std::string> names = CaseNames(wanted);
      if (names.size() < wanted) {
        return Fail("not enough cases for every caller");
      }
      items_per_op = s == "close_batch" ? kPerCaller : 1;
      std::vector<int> step(o_.concurrency, 0);
      auto update = [&](const std::string& name, bool close) {
        v1::UpdateCaseRequest u;
        u.mutable_case_()->set_name(name);
        u.mutable_case_()->set_status(close ? v1::CASE_STATUS_RESOLVED
                                            : v1::CASE_STATUS_INVESTIGATING);
        u.mutable_case_()->set_close_reason(close ? v1::CLOSE_REASON_LOW_RISK
                                                  : v1::CLOSE_REASON_UNSPECIFIED);
        u.mutable_update_mask()->add_paths("status");
        u.mutable_update_mask()->add_paths("close_reason");
        return u;
      };
      r = Drive(o_, [&](int w, std::mt19937_64&) {
        const int k = step[w]++;
        if (s == "close_single") {
          // Cases k % 100 of the caller's; the first pass closes them, the next re-opens.
          const std::string& name = names[w * kPerCaller + k % kPerCaller];
          v1::Case out;
          return Call(w, &v1::CaseService::Stub::UpdateCase,
                      update(name, (k / kPerCaller) % 2 == 0), &out, &client::Client::cases);
        }
        v1::BatchUpdateCasesRequest request;
        request.set_parent(o_.tenant);
        for (int i = 0; i < kPerCaller; ++i) {
          *request.add_requests() = update(names[w * kPerCaller + i], k % 2 == 0);
        }
        v1::BatchUpdateCasesResponse out;
        return Call(w, &v1::CaseService::Stub::BatchUpdateCases, request, &out,
                    &client::Client::cases);
      });
    } else if (s == "create_case") {
      r = Drive(o_, [&](int w, std::mt19937_64& rng) {
        v1::CreateCaseRequest request;
        request.set_parent(o_.tenant);
        request.mutable_case_()->set_display_name("Benchmark case");
        request.mutable_case_()->set_description("Created by the load generator.");
        request.mutable_case_()->set_severity(static_cast<v1::Severity>(1 + rng() % 4));
        v1::Case out;
        return Call(w, &v1::CaseService::Stub::CreateCase, request, &out, &client::Client::cases);
      });
    } else if (s == "list_first" || s == "list_deep") {
      v1::ListCasesRequest request;
      request.set_parent(o_.tenant);
      request.set_filter(o_.filter);
      request.set_page_size(50);
      if (s == "list_deep") {
        request.set_page_token(TokenOfPage(request, o_.deep));
        if (request.page_token().empty()) {
          return Fail("could not walk to the deep page");
        }
      }
      r = Drive(o_, [&](int w, std::mt19937_64&) {
        v1::ListCasesResponse out;
        return Call(w, &v1::CaseService::Stub::ListCases, request, &out, &client::Client::cases) &&
               out.cases_size() == 50;
      });
    } else if (s == "ingest") {
      items_per_op = o_.batch;
      std::atomic<long> sequence{0};
      r = Drive(o_, [&](int w, std::mt19937_64& rng) {
        v1::IngestDetectionsRequest request;
        request.set_parent(o_.tenant);
        const long base = sequence.fetch_add(o_.batch);
        const std::string run = std::to_string(absl::ToUnixNanos(start_));
        for (int i = 0; i < o_.batch; ++i) {
          auto* d = request.add_detections();
          d->set_external_id(absl::StrCat("load-", run, "-", base + i));
          d->set_alert_key(absl::StrCat("load-key-", rng() % 200));
          d->set_product(v1::PRODUCT_XDR);
          d->set_severity(static_cast<v1::Severity>(1 + rng() % 4));
          d->set_title("Load detection");
          d->set_device("host-1");
          (*d->mutable_attributes())["source"] = "bench";
          d->mutable_detect_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
        }
        v1::IngestDetectionsResponse out;
        return Call(w, &v1::DetectionService::Stub::IngestDetections, request, &out,
                    &client::Client::detections);
      });
    } else if (s == "stream_fanout") {
      return StreamFanout();
    } else if (s == "activity_stream") {
      return ActivityStream();
    } else if (s == "message_stream") {
      return MessageStream();
    } else if (s == "stream_many") {
      return StreamMany();
    } else if (s == "webhook_delivery") {
      return WebhookDelivery();
    } else {
      return Fail("unknown scenario " + s);
    }
    Print(r, items_per_op);
    return 0;
  }

 private:
  template <typename Stub, typename Request, typename Response>
  bool Call(int w, grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
            const Request& request, Response* response, Stub& (client::Client::*stub)()) {
    client::Client& c = *clients_[w];
    return c.Call((c.*stub)(), method, request, response).ok();
  }

  int Fail(const std::string& why) {
    std::fprintf(stderr, "cases_load: %s\n", why.c_str());
    return 1;
  }

  void Print(const Result& r, double items_per_op) {
    std::printf(
        "{\"scenario\":\"%s\",\"concurrency\":%d,\"ops_per_s\":%.1f,\"items_per_s\":%.1f,\"p50_"
        "ms\":%.3f,"
        "\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"calls\":%lld,\"errors\":%lld}\n",
        (o_.label.empty() ? o_.scenario : o_.label).c_str(), o_.concurrency, r.ops_per_s,
        r.ops_per_s * items_per_op, r.p50_ms, r.p99_ms, r.p999_ms, static_cast<long long>(r.calls),
        static_cast<long long>(r.errors));
  }

  // The names of the tenant's first `n` cases (newest first).
  std::vector<std::string> CaseNames(size_t n = 1000) {
    v1::ListCasesRequest request;
    request.set_parent(o_.tenant);
    request.set_page_size(1000);
    std::vector<std::string> names;
    while (names.size() < n) {
      v1::ListCasesResponse out;
      if (!clients_[0]
               ->Call(clients_[0]->cases(), &v1::CaseService::Stub::ListCases, request, &out)
               .ok()) {
        break;
      }
      for (const auto& c : out.cases()) {
        if (names.size() < n) {
          names.push_back(c.name());
        }
      }
      if (out.next_page_token().empty()) {
        break;
      }
      request.set_page_token(out.next_page_token());
    }
    return names;
  }

  std::string TokenOfPage(v1::ListCasesRequest request, int page) {
    for (int i = 1; i < page; ++i) {
      v1::ListCasesResponse out;
      if (!clients_[0]
               ->Call(clients_[0]->cases(), &v1::CaseService::Stub::ListCases, request, &out)
               .ok() ||
          out.next_page_token().empty()) {
        return "";
      }
      request.set_page_token(out.next_page_token());
    }
    return request.page_token();
  }

  // A new MDR service request of the tenant: the stream scenarios' conversation.
  grpc::Status NewServiceRequest(const std::string& display_name, v1::ServiceRequest* out) {
    client::Client& c = *clients_[0];
    v1::CreateServiceRequestRequest create;
    create.set_parent(o_.tenant);
    create.mutable_service_request()->set_type(v1::SERVICE_REQUEST_TYPE_MDR);
    create.mutable_service_request()->set_display_name(display_name);
    return c.Call(c.requests(), &v1::ServiceRequestService::Stub::CreateServiceRequest, create,
                  out);
  }

  // The writers of a stream scenario: an eighth of the callers.
  int WriterCount() const { return std::max(1, o_.concurrency / 8); }

  // Runs `op` on `writers` callers (default WriterCount()) through the scenario's
  // warm-up and measured window, and sets `measuring` when the window opens, so
  // what the scenario counts covers the same `duration` as the writers' figures.
  Result DriveWriters(std::atomic<bool>* measuring, const Operation& op, int writers = 0) {
    Options options = o_;
    options.concurrency = writers > 0 ? writers : WriterCount();
    std::thread clock([&] {
      absl::SleepFor(o_.warmup);
      *measuring = true;
    });
    Result result = Drive(options, op);
    clock.join();
    return result;
  }

  // `streams` subscribers on one service request while `concurrency` writers post
  // messages; reports messages delivered per second across all streams.
  int StreamFanout() {
    v1::ServiceRequest sr;
    if (grpc::Status s = NewServiceRequest("Fan-out benchmark", &sr); !s.ok()) {
      return Fail(s.error_message());
    }
    std::atomic<bool> measuring{false}, stop{false};
    std::atomic<long long> delivered{0}, posted{0};
    std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
    std::vector<std::thread> readers;
    for (int i = 0; i < o_.streams; ++i) {
      contexts.push_back(clients_[i % clients_.size()]->NewContext(std::chrono::hours(1)));
      readers.emplace_back([&, i] {
        v1::StreamMessagesRequest request;
        request.set_parent(sr.name());
        auto reader =
            clients_[i % clients_.size()]->requests().StreamMessages(contexts[i].get(), request);
        v1::Message m;
        while (reader->Read(&m)) {
          if (measuring.load(std::memory_order_relaxed)) {
            delivered.fetch_add(1, std::memory_order_relaxed);
          }
        }
        reader->Finish();
      });
    }
    const int writers = WriterCount();
    Result w = DriveWriters(&measuring, [&](int worker, std::mt19937_64&) {
      v1::CreateMessageRequest post;
      post.set_parent(sr.name());
      post.mutable_message()->set_body("fan-out benchmark message");
      v1::Message out;
      const bool ok = Call(worker, &v1::ServiceRequestService::Stub::CreateMessage, post, &out,
                           &client::Client::requests);
      posted.fetch_add(ok ? 1 : 0);
      return ok;
    });
    const double seconds = absl::ToDoubleSeconds(o_.duration);
    measuring = false;
    stop = true;
    for (auto& ctx : contexts) {
      ctx->TryCancel();
    }
    for (auto& t : readers) {
      t.join();
    }
    Result r = w;
    r.ops_per_s = static_cast<double>(delivered.load()) / seconds;
    std::printf(
        "{\"scenario\":\"stream_fanout\",\"concurrency\":%d,\"streams\":%d,\"ops_per_s\":%.1f,"
        "\"items_per_s\":%.1f,"
        "\"messages_posted_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"calls\":"
        "%lld,"
        "\"errors\":%lld}\n",
        writers, o_.streams, r.ops_per_s, r.ops_per_s, w.ops_per_s, w.p50_ms, w.p99_ms, w.p999_ms,
        static_cast<long long>(delivered.load()), static_cast<long long>(w.errors));
    return 0;
  }

  // A commit-to-delivery scenario: `read` delivers items into `arrivals` until
  // `cancel` ends it, while `writers` callers run `write` through the warm-up and
  // the measured window. p50/p99 are the delays from commit to arrival, ops/s the
  // items received per second; `extra` adds fields to the JSON line.
  int CommitToDelivery(const std::function<void(Arrivals&)>& read,
                       const std::function<void()>& cancel, const Operation& write, int writers,
                       const std::function<std::string(const Result&)>& extra = nullptr) {
    Arrivals arrivals;
    std::thread reader([&] { read(arrivals); });
    const Result w = DriveWriters(&arrivals.measuring, write, writers);
    arrivals.measuring = false;
    cancel();
    reader.join();
    absl::MutexLock lock(&arrivals.mu);
    const double per_s =
        static_cast<double>(arrivals.received) / absl::ToDoubleSeconds(o_.duration);
    std::printf(
        "{\"scenario\":\"%s\",\"concurrency\":%d,\"ops_per_s\":%.1f,\"items_per_s\":%.1f,%s"
        "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"calls\":%lld,\"errors\":%lld}\n",
        (o_.label.empty() ? o_.scenario : o_.label).c_str(), writers, per_s, per_s,
        extra ? extra(w).c_str() : "", arrivals.delays.Percentile(0.5) / 1000,
        arrivals.delays.Percentile(0.99) / 1000, arrivals.delays.Percentile(0.999) / 1000,
        arrivals.received, static_cast<long long>(w.errors));
    return 0;
  }

  // Creates one case of the tenant from caller `worker`: the writers of the
  // activity and webhook scenarios.
  bool CreateOneCase(int worker, const std::string& display_name) {
    v1::CreateCaseRequest request;
    request.set_parent(o_.tenant);
    request.mutable_case_()->set_display_name(display_name);
    request.mutable_case_()->set_severity(v1::SEVERITY_LOW);
    v1::Case out;
    return Call(worker, &v1::CaseService::Stub::CreateCase, request, &out, &client::Client::cases);
  }

  // One StreamActivities reader of the tenant while `concurrency` / 8 writers create
  // cases.
  int ActivityStream() {
    auto context = clients_[0]->NewContext(std::chrono::hours(1));
    return CommitToDelivery(
        [&](Arrivals& arrivals) {
          v1::StreamActivitiesRequest request;
          request.set_parent(o_.tenant);
          request.set_filter("type = ACTIVITY_TYPE_CASE_CREATED");
          auto stream = clients_[0]->activities().StreamActivities(context.get(), request);
          v1::Activity a;
          while (stream->Read(&a)) {
            arrivals.Record(a.create_time());
          }
          stream->Finish();
        },
        [&] { context->TryCancel(); },
        [&](int worker, std::mt19937_64&) { return CreateOneCase(worker, "Streamed case"); },
        WriterCount());
  }

  // One StreamMessages reader of a new service request, over native gRPC or as a
  // Connect server stream (application/connect+json over HTTP/1.1), while
  // `concurrency` / 8 writers post messages to it over gRPC.
  int MessageStream() {
    client::Client& c = *clients_[0];
    v1::ServiceRequest sr;
    if (grpc::Status s = NewServiceRequest("Stream latency benchmark", &sr); !s.ok()) {
      return Fail(s.error_message());
    }
    const Operation post = [&](int worker, std::mt19937_64&) {
      v1::CreateMessageRequest request;
      request.set_parent(sr.name());
      request.mutable_message()->set_body("stream latency benchmark message");
      v1::Message out;
      return Call(worker, &v1::ServiceRequestService::Stub::CreateMessage, request, &out,
                  &client::Client::requests);
    };
    if (o_.wire == "grpc") {
      auto context = c.NewContext(std::chrono::hours(1));
      return CommitToDelivery(
          [&](Arrivals& arrivals) {
            v1::StreamMessagesRequest request;
            request.set_parent(sr.name());
            auto stream = c.requests().StreamMessages(context.get(), request);
            v1::Message m;
            while (stream->Read(&m)) {
              arrivals.Record(m.create_time());
            }
            stream->Finish();
          },
          [&] { context->TryCancel(); }, post, WriterCount());
    }
    if (o_.wire != "connect") {
      return Fail("--wire is grpc or connect, not " + o_.wire);
    }
    std::unique_ptr<httplib::Client> http = HttpClient();
    std::atomic<bool> stopping{false};
    return CommitToDelivery(
        [&](Arrivals& arrivals) {
          httplib::Request request;
          request.method = "POST";
          request.path = "/soc.cases.v1.ServiceRequestService/StreamMessages";
          request.headers = HttpHeaders();
          request.headers.emplace("Content-Type", "application/connect+json");
          request.body = Envelope(absl::StrCat("{\"parent\":\"", sr.name(), "\"}"));
          std::string pending;  // bytes of envelopes not yet complete
          request.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
            pending.append(data, size);
            while (pending.size() >= 5) {
              const auto byte = [&](int i) { return static_cast<uint8_t>(pending[i]); };
              const size_t length = size_t{byte(1)} << 24 | size_t{byte(2)} << 16 |
                                    size_t{byte(3)} << 8 | size_t{byte(4)};
              if (pending.size() < 5 + length) {
                break;
              }
              v1::Message m;
              if ((byte(0) & 0x02) == 0 &&
                  google::protobuf::util::JsonStringToMessage(pending.substr(5, length), &m).ok()) {
                arrivals.Record(m.create_time());
              }
              pending.erase(0, 5 + length);
            }
            return true;
          };
          httplib::Response response;
          httplib::Error error = httplib::Error::Success;
          if (!http->send(request, response, error) && !stopping) {
            std::fprintf(stderr, "cases_load: Connect stream: %s\n",
                         httplib::to_string(error).c_str());
          }
        },
        [&] {
          stopping = true;
          http->stop();
        },
        post, WriterCount());
  }

  // What /proc says of casesd (--casesd_pid): threads, RSS and peak RSS (KiB), open fds.
  struct ProcessState {
    long long threads = 0, rss_kib = 0, hwm_kib = 0, fds = 0;
  };
  ProcessState CasesdState() const {
    ProcessState state;
    std::ifstream status(absl::StrCat("/proc/", o_.casesd_pid, "/status"));
    std::string line;
    while (std::getline(status, line)) {
      (void)(std::sscanf(line.c_str(), "Threads: %lld", &state.threads) == 1 ||
             std::sscanf(line.c_str(), "VmRSS: %lld kB", &state.rss_kib) == 1 ||
             std::sscanf(line.c_str(), "VmHWM: %lld kB", &state.hwm_kib) == 1);
    }
    std::error_code ec;
    for (auto it =
             std::filesystem::directory_iterator(absl::StrCat("/proc/", o_.casesd_pid, "/fd"), ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      ++state.fds;
    }
    return state;
  }

  // `streams` StreamMessages readers of one service request held open at once,
  // on the callback client API (no thread per stream here either); once every
  // one has the first message, `kMessages` more are posted one at a time, each
  // after the last reached every stream. p50/p99: each delivery's delay from
  // its commit. Two cycles of open and close: the first warms casesd up (its
  // database connections, the client's channels), the second is measured, with
  // casesd's threads, RSS and fds before it, while open and after all are
  // closed: what closing does not give back grows with each cycle.
  int StreamMany() {
    constexpr int kMessages = 10;
    class Reader final : public grpc::ClientReadReactor<v1::Message> {
     public:
      Reader(client::Client& client, const v1::StreamMessagesRequest& request, Arrivals* arrivals,
             std::atomic<int>* opened, std::atomic<int>* ended)
          : context_(client.NewContext(std::chrono::hours(1))),
            arrivals_(arrivals),
            opened_(opened),
            ended_(ended) {
        client.requests().async()->StreamMessages(context_.get(), &request, this);
        StartRead(&message_);
        StartCall();
      }
      void OnReadDone(bool ok) override {
        if (!ok) {
          return;  // OnDone follows
        }
        if (!first_) {
          first_ = true;
          opened_->fetch_add(1);
        } else {
          arrivals_->Record(message_.create_time());
        }
        StartRead(&message_);
      }
      void OnDone(const grpc::Status&) override { ended_->fetch_add(1); }
      void Cancel() { context_->TryCancel(); }

     private:
      std::unique_ptr<grpc::ClientContext> context_;
      v1::Message message_;
      bool first_ = false;
      Arrivals* arrivals_;
      std::atomic<int>*opened_, *ended_;
    };
    auto wait_until = [](const std::function<bool()>& done, absl::Duration timeout) {
      const absl::Time end = absl::Now() + timeout;
      while (!done() && absl::Now() < end) {
        absl::SleepFor(absl::Milliseconds(10));
      }
      return done();
    };
    client::Client& c = *clients_[0];
    struct Cycle {
      ProcessState before, open, after;
      bool all_open = false, all_ended = false;
      int posted = 0;
      double open_seconds = 0, fan_seconds = 0;
    };
    // One cycle on a service request of its own, with `messages` measured ones.
    auto cycle = [&](int messages, Arrivals* arrivals) -> absl::StatusOr<Cycle> {
      v1::ServiceRequest sr;
      if (grpc::Status s = NewServiceRequest("Many streams benchmark", &sr); !s.ok()) {
        return absl::UnavailableError(s.error_message());
      }
      auto post = [&](const std::string& body) {
        v1::CreateMessageRequest request;
        request.set_parent(sr.name());
        request.mutable_message()->set_body(body);
        v1::Message out;
        return c.Call(c.requests(), &v1::ServiceRequestService::Stub::CreateMessage, request, &out)
            .ok();
      };
      Cycle result;
      std::atomic<int> opened{0}, ended{0};
      result.before = CasesdState();
      v1::StreamMessagesRequest request;
      request.set_parent(sr.name());
      const absl::Time open_start = absl::Now();
      std::vector<std::unique_ptr<Reader>> readers;
      for (int i = 0; i < o_.streams; ++i) {
        readers.push_back(std::make_unique<Reader>(*clients_[i % clients_.size()], request,
                                                   arrivals, &opened, &ended));
      }
      // The first message reaches each stream from its backlog or live: then it is open.
      result.all_open =
          post("first") && wait_until([&] { return opened == o_.streams; }, absl::Seconds(120));
      result.open_seconds = absl::ToDoubleSeconds(absl::Now() - open_start);
      result.open = CasesdState();
      arrivals->measuring = result.all_open;
      const absl::Time fan_start = absl::Now();
      for (int k = 1; result.all_open && k <= messages && post(absl::StrCat("message ", k)); ++k) {
        ++result.posted;
        wait_until(
            [&] {
              absl::MutexLock lock(&arrivals->mu);
              return arrivals->received >= static_cast<long long>(k) * o_.streams;
            },
            absl::Seconds(30));
      }
      result.fan_seconds = absl::ToDoubleSeconds(absl::Now() - fan_start);
      arrivals->measuring = false;
      for (auto& reader : readers) {
        reader->Cancel();
      }
      result.all_ended = wait_until([&] { return ended == o_.streams; }, absl::Seconds(60));
      absl::SleepFor(absl::Seconds(2));  // the server's side of the cancellations
      result.after = CasesdState();
      return result;
    };
    Arrivals warm_arrivals, arrivals;
    absl::StatusOr<Cycle> warm = cycle(0, &warm_arrivals);
    if (!warm.ok()) {
      return Fail(std::string(warm.status().message()));
    }
    absl::StatusOr<Cycle> measured = cycle(kMessages, &arrivals);
    if (!measured.ok()) {
      return Fail(std::string(measured.status().message()));
    }
    const Cycle& m = *measured;
    absl::MutexLock lock(&arrivals.mu);
    const double per_s = static_cast<double>(arrivals.received) / std::max(m.fan_seconds, 1e-3);
    std::printf(
        "{\"scenario\":\"%s\",\"concurrency\":1,\"streams\":%d,\"messages\":%d,"
        "\"open_seconds\":%.2f,\"ops_per_s\":%.1f,\"items_per_s\":%.1f,"
        "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"calls\":%lld,\"errors\":%lld,"
        "\"casesd_threads_before\":%lld,\"casesd_threads_open\":%lld,"
        "\"casesd_threads_after\":%lld,\"casesd_rss_kib_first\":%lld,"
        "\"casesd_rss_kib_before\":%lld,\"casesd_rss_kib_open\":%lld,"
        "\"casesd_rss_kib_after\":%lld,\"casesd_fds_first\":%lld,\"casesd_fds_before\":%lld,"
        "\"casesd_fds_open\":%lld,\"casesd_fds_after\":%lld}\n",
        (o_.label.empty() ? o_.scenario : o_.label).c_str(), o_.streams, m.posted, m.open_seconds,
        per_s, per_s, arrivals.delays.Percentile(0.5) / 1000,
        arrivals.delays.Percentile(0.99) / 1000, arrivals.delays.Percentile(0.999) / 1000,
        arrivals.received,
        // Missing deliveries, messages not posted, streams never opened or never ended.
        static_cast<long long>(o_.streams) * m.posted - arrivals.received + (kMessages - m.posted) +
            (warm->all_open && m.all_open ? 0 : 1) + (warm->all_ended && m.all_ended ? 0 : 1),
        m.before.threads, m.open.threads, m.after.threads, warm->before.rss_kib, m.before.rss_kib,
        m.open.rss_kib, m.after.rss_kib, warm->before.fds, m.before.fds, m.open.fds, m.after.fds);
    return 0;
  }

  // A webhook subscription of the tenant to an HTTPS receiver here while
  // `concurrency` writers create cases as fast as they can; the items are the
  // activities delivered.
  int WebhookDelivery() {
    httplib::SSLServer receiver(o_.receiver_cert.c_str(), o_.receiver_key.c_str());
    Arrivals* arrivals = nullptr;  // set while the scenario runs
    absl::Mutex started_mu;
    receiver.Post("/bench", [&](const httplib::Request& req, httplib::Response& res) {
      v1::Activity a;
      if (google::protobuf::util::JsonStringToMessage(req.body, &a).ok()) {
        absl::MutexLock lock(&started_mu);
        if (arrivals != nullptr) {
          arrivals->Record(a.create_time());
        }
      }
      res.status = 204;
    });
    // A receiver that answers in one go: without TCP_NODELAY each response's second
    // write waits for the sender's delayed ACK (40 ms), which would measure Nagle.
    receiver.set_tcp_nodelay(true);
    receiver.set_keep_alive_max_count(100000);
    const int port = receiver.bind_to_any_port("127.0.0.1");
    std::thread serve([&] { receiver.listen_after_bind(); });
    client::Client& c = *clients_[0];
    v1::CreateSubscriptionRequest create;
    create.set_parent(o_.tenant);
    create.mutable_subscription()->set_display_name("Webhook benchmark");
    create.mutable_subscription()->set_uri(absl::StrCat("https://localhost:", port, "/bench"));
    create.mutable_subscription()->set_secret("benchmark-secret-0123456789");
    create.mutable_subscription()->add_activity_types(v1::ACTIVITY_TYPE_CASE_CREATED);
    v1::Subscription subscription;
    if (grpc::Status st = c.Call(c.automation(), &v1::AutomationService::Stub::CreateSubscription,
                                 create, &subscription);
        !st.ok()) {
      receiver.stop();
      serve.join();
      return Fail(st.error_message());
    }
    const int rc = CommitToDelivery(
        [&](Arrivals& a) {
          absl::MutexLock lock(&started_mu);
          arrivals = &a;
        },
        [&] {
          absl::MutexLock lock(&started_mu);
          arrivals = nullptr;
        },
        [&](int worker, std::mt19937_64&) { return CreateOneCase(worker, "Webhooked case"); },
        o_.concurrency,
        [](const Result& w) { return absl::StrCat("\"cases_created_per_s\":", w.ops_per_s, ","); });
    v1::DeleteSubscriptionRequest remove;
    remove.set_name(subscription.name());
    google::protobuf::Empty empty;
    (void)c.Call(c.automation(), &v1::AutomationService::Stub::DeleteSubscription, remove, &empty);
    receiver.stop();
    serve.join();
    return rc;
  }

  // A client of casesd's HTTP listener (--http): one keep-alive connection, no
  // Nagle delay, reads that wait as long as a stream stays open.
  std::unique_ptr<httplib::Client> HttpClient() const {
    auto http = std::make_unique<httplib::Client>("http://" + o_.http);
    http->set_keep_alive(true);
    http->set_tcp_nodelay(true);
    http->set_read_timeout(std::chrono::hours(1));
    return http;
  }

  httplib::Headers HttpHeaders() const {
    return {{"Authorization", "Bearer " + o_.token}, {"Connect-Protocol-Version", "1"}};
  }

  // `message` in a Connect envelope: flags 0, then its length (4 bytes, big-endian).
  static std::string Envelope(const std::string& message) {
    const auto n = static_cast<uint32_t>(message.size());
    std::string out = {'\0', static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                       static_cast<char>(n >> 8), static_cast<char>(n)};
    return out + message;
  }

  Options o_;
  std::vector<std::unique_ptr<client::Client>> clients_;
  const absl::Time start_ = absl::Now();
};

}  // namespace
}  // namespace cases::bench

int main(int argc, char** argv) {
  cases::bench::Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    bool ok = true;
    if (flag == "--addr") {
      o.addr = value;
    } else if (flag == "--token") {
      o.token = value;
    } else if (flag == "--scenario") {
      o.scenario = value;
    } else if (flag == "--tenant") {
      o.tenant = value;
    } else if (flag == "--filter") {
      o.filter = value;
    } else if (flag == "--label") {
      o.label = value;
    } else if (flag == "--concurrency") {
      ok = absl::SimpleAtoi(value, &o.concurrency);
    } else if (flag == "--deep") {
      ok = absl::SimpleAtoi(value, &o.deep);
    } else if (flag == "--streams") {
      ok = absl::SimpleAtoi(value, &o.streams);
    } else if (flag == "--batch") {
      ok = absl::SimpleAtoi(value, &o.batch);
    } else if (flag == "--http") {
      o.http = value;
    } else if (flag == "--casesd_pid") {
      ok = absl::SimpleAtoi(value, &o.casesd_pid);
    } else if (flag == "--wire") {
      o.wire = value;
    } else if (flag == "--receiver_cert") {
      o.receiver_cert = value;
    } else if (flag == "--receiver_key") {
      o.receiver_key = value;
    } else if (flag == "--warmup") {
      ok = absl::ParseDuration(value, &o.warmup);
    } else if (flag == "--duration") {
      ok = absl::ParseDuration(value, &o.duration);
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "cases_load: bad flag %s %s\n", flag.c_str(), value.c_str());
      return 2;
    }
  }
  if (o.scenario.empty()) {
    std::fprintf(stderr, "cases_load: --scenario is required\n");
    return 2;
  }
  return cases::bench::Bench(o).Run();
}
