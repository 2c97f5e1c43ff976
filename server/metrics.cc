#include "server/metrics.h"

#include <httplib.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/log.h"

namespace cases::server {
namespace {

std::string Label(absl::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
    }
    out.push_back(c == '\n' ? ' ' : c);
  }
  return out;
}

std::string Number(double v) { return absl::StrFormat("%.17g", v); }

}  // namespace

void Metrics::CallFinished(absl::string_view method, absl::string_view code,
                           absl::Duration latency) {
  in_flight_.fetch_sub(1);
  MutexLock lock(&mu_);
  ++calls_[{std::string(method), std::string(code)}];
  latency_[std::string(method)].Observe(latency);
}

void Metrics::Histogram::Observe(absl::Duration d) {
  const double seconds = absl::ToDoubleSeconds(d);
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++buckets[i];
    }
  }
  ++count;
  sum += seconds;
}

void Metrics::Histogram::Render(absl::string_view name, absl::string_view labels,
                                std::string* out) const {
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    absl::StrAppend(out, name, "_bucket{", labels, "le=\"", Number(kBuckets[i]), "\"} ", buckets[i],
                    "\n");
  }
  const std::string plain(labels.empty() ? "" : labels.substr(0, labels.size() - 1));
  absl::StrAppend(out, name, "_bucket{", labels, "le=\"+Inf\"} ", count, "\n", name, "_sum",
                  plain.empty() ? "" : "{", plain, plain.empty() ? "" : "}", " ", Number(sum), "\n",
                  name, "_count", plain.empty() ? "" : "{", plain, plain.empty() ? "" : "}", " ",
                  count, "\n");
}

void Metrics::DeliveryFinished(absl::string_view outcome, absl::Duration latency,
                               absl::Duration since_commit) {
  MutexLock lock(&mu_);
  ++deliveries_[std::string(outcome)];
  delivery_latency_.Observe(latency);
  if (outcome == "delivered") {
    commit_to_delivery_.Observe(since_commit);
  }
}

void Metrics::SetWebhookBacklog(std::map<std::string, std::optional<absl::Time>> oldest) {
  MutexLock lock(&mu_);
  webhook_backlog_ = std::move(oldest);
}

void Metrics::AddSampled(std::string name, std::string help, std::string kind,
                         std::function<double()> read) {
  AddSampledSeries(std::move(name), std::move(help), std::move(kind), "", [read = std::move(read)] {
    return Series{{"", read()}};
  });
}

void Metrics::AddSampledSeries(std::string name, std::string help, std::string kind,
                               std::string label, std::function<Series()> read) {
  MutexLock lock(&mu_);
  sampled_.push_back(
      {std::move(name), std::move(help), std::move(kind), std::move(label), std::move(read)});
}

std::string Metrics::Render() const {
  std::string out;
  absl::StrAppend(
      &out, "# HELP cases_grpc_requests_total gRPC calls handled, by method and status code.\n",
      "# TYPE cases_grpc_requests_total counter\n");
  MutexLock lock(&mu_);
  for (const auto& [key, n] : calls_) {
    absl::StrAppend(&out, "cases_grpc_requests_total{method=\"", Label(key.first), "\",code=\"",
                    Label(key.second), "\"} ", n, "\n");
  }
  absl::StrAppend(&out,
                  "# HELP cases_grpc_request_duration_seconds gRPC call latency, by method.\n",
                  "# TYPE cases_grpc_request_duration_seconds histogram\n");
  for (const auto& [method, h] : latency_) {
    h.Render("cases_grpc_request_duration_seconds", absl::StrCat("method=\"", Label(method), "\","),
             &out);
  }
  absl::StrAppend(&out,
                  "# HELP cases_webhook_deliveries_total Webhook attempts, by outcome "
                  "(delivered, failed, timeout, refused, disabled).\n",
                  "# TYPE cases_webhook_deliveries_total counter\n");
  for (const auto& [outcome, n] : deliveries_) {
    absl::StrAppend(&out, "cases_webhook_deliveries_total{outcome=\"", Label(outcome), "\"} ", n,
                    "\n");
  }
  absl::StrAppend(&out,
                  "# HELP cases_webhook_attempt_duration_seconds How long webhook attempts took.\n",
                  "# TYPE cases_webhook_attempt_duration_seconds histogram\n");
  delivery_latency_.Render("cases_webhook_attempt_duration_seconds", "", &out);
  absl::StrAppend(&out,
                  "# HELP cases_webhook_commit_to_delivery_seconds From an activity's commit to "
                  "its delivery.\n",
                  "# TYPE cases_webhook_commit_to_delivery_seconds histogram\n");
  commit_to_delivery_.Render("cases_webhook_commit_to_delivery_seconds", "", &out);
  absl::StrAppend(&out,
                  "# HELP cases_webhook_oldest_undelivered_seconds Age of the oldest activity a "
                  "subscription in this state has yet to send (0: none waits).\n",
                  "# TYPE cases_webhook_oldest_undelivered_seconds gauge\n");
  const absl::Time now = absl::Now();
  for (const auto& [state, oldest] : webhook_backlog_) {
    const double age = oldest.has_value()
                           ? absl::ToDoubleSeconds(std::max(now - *oldest, absl::ZeroDuration()))
                           : 0.0;
    absl::StrAppend(&out, "cases_webhook_oldest_undelivered_seconds{state=\"", Label(state), "\"} ",
                    Number(age), "\n");
  }
  absl::StrAppend(&out, "# HELP cases_grpc_in_flight gRPC calls being handled now.\n",
                  "# TYPE cases_grpc_in_flight gauge\ncases_grpc_in_flight ", in_flight_.load(),
                  "\n");
  for (const Sampled& s : sampled_) {
    absl::StrAppend(&out, "# HELP ", s.name, " ", s.help, "\n# TYPE ", s.name, " ", s.kind, "\n");
    for (const auto& [label_value, value] : s.read()) {
      const std::string labels =
          s.label.empty() ? "" : absl::StrCat("{", s.label, "=\"", Label(label_value), "\"}");
      absl::StrAppend(&out, s.name, labels, " ", Number(value), "\n");
    }
  }
  return out;
}

MetricsHttpServer::MetricsHttpServer(const Metrics* metrics) : metrics_(metrics) {}

MetricsHttpServer::~MetricsHttpServer() { Stop(); }

absl::Status MetricsHttpServer::Start(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port)) {
    return absl::InvalidArgumentError("--metrics_listen must be HOST:PORT");
  }
  const std::string host = listen.substr(0, colon);
  http_ = std::make_unique<httplib::Server>();
  http_->Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics_->Render(), "text/plain; version=0.0.4");
  });
  port_ = port == 0 ? http_->bind_to_any_port(host) : (http_->bind_to_port(host, port) ? port : -1);
  if (port_ <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen));
  }
  thread_ = std::thread([this] { http_->listen_after_bind(); });
  Log(LogLevel::kInfo, "serving metrics", {{"metrics_port", port_}});
  return absl::OkStatus();
}

void MetricsHttpServer::Stop() {
  if (http_ != nullptr) {
    http_->stop();
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

}  // namespace cases::server
