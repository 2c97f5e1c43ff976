// Prometheus metrics of casesd, in the plain-text exposition format, served on
// --metrics_listen at /metrics (cpp-httplib). Per-method call counts by code and
// latency histograms are recorded at the gRPC edge; pool, stream and retention
// figures are sampled from their owners at scrape time.
#ifndef CASES_SERVER_METRICS_H_
#define CASES_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/sync.h"

namespace httplib {
class Server;
}

namespace cases::server {

class Metrics {
 public:
  // Latency histogram bucket bounds, seconds.
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};

  void CallStarted() { in_flight_.fetch_add(1); }
  // `method` like "/soc.cases.v1.CaseService/GetCase"; `code` the gRPC code name.
  void CallFinished(absl::string_view method, absl::string_view code, absl::Duration latency);

  // One webhook attempt: `outcome` as domain::DeliveryObservation; `latency` the
  // attempt's, `since_commit` from the activity's commit to the attempt's end.
  void DeliveryFinished(absl::string_view outcome, absl::Duration latency,
                        absl::Duration since_commit);

  // Per subscription state: when the oldest activity a subscription in that state
  // has yet to send was committed (nullopt: none waits). Scrapes show its age.
  void SetWebhookBacklog(std::map<std::string, std::optional<absl::Time>> oldest);

  // A value read at every scrape: kind "gauge" or "counter".
  void AddSampled(std::string name, std::string help, std::string kind,
                  std::function<double()> read);
  // The same for a family of series told apart by one label: each (label value, value).
  using Series = std::vector<std::pair<std::string, double>>;
  void AddSampledSeries(std::string name, std::string help, std::string kind, std::string label,
                        std::function<Series()> read);

  std::string Render() const;

 private:
  struct Histogram {
    std::array<long long, kBuckets.size()> buckets{};
    long long count = 0;
    double sum = 0;
    void Observe(absl::Duration d);
    // The _bucket, _sum and _count lines of `name`, with `labels` ("" or `a="b",`).
    void Render(absl::string_view name, absl::string_view labels, std::string* out) const;
  };
  struct Sampled {
    std::string name, help, kind, label;  // label "" for a single series
    std::function<Series()> read;
  };
  std::atomic<long long> in_flight_{0};
  mutable Mutex mu_;
  std::map<std::pair<std::string, std::string>, long long> calls_
      ABSL_GUARDED_BY(mu_);  // (method, code)
  std::map<std::string, Histogram> latency_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, long long> deliveries_ ABSL_GUARDED_BY(mu_);  // outcome → attempts
  Histogram delivery_latency_ ABSL_GUARDED_BY(mu_);
  Histogram commit_to_delivery_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::optional<absl::Time>> webhook_backlog_ ABSL_GUARDED_BY(mu_);
  std::vector<Sampled> sampled_ ABSL_GUARDED_BY(mu_);
};

// GET /metrics on its own thread.
class MetricsHttpServer {
 public:
  explicit MetricsHttpServer(const Metrics* metrics);
  ~MetricsHttpServer();
  // Binds `listen` (host:port, port 0 picks one); logs the bound port.
  absl::Status Start(const std::string& listen);
  void Stop();
  int port() const { return port_; }

 private:
  const Metrics* metrics_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace cases::server

#endif  // CASES_SERVER_METRICS_H_
