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
  const double seconds = absl::ToDoubleSeconds(latency);
  MutexLock lock(&mu_);
  ++calls_[{std::string(method), std::string(code)}];
  Histogram& h = latency_[std::string(method)];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++h.buckets[i];
    }
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::AddSampled(std::string name, std::string help, std::string kind,
                         std::function<double()> read) {
  MutexLock lock(&mu_);
  sampled_.push_back({std::move(name), std::move(help), std::move(kind), std::move(read)});
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
    const std::string m = Label(method);
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      absl::StrAppend(&out, "cases_grpc_request_duration_seconds_bucket{method=\"", m, "\",le=\"",
                      Number(kBuckets[i]), "\"} ", h.buckets[i], "\n");
    }
    absl::StrAppend(&out, "cases_grpc_request_duration_seconds_bucket{method=\"", m,
                    "\",le=\"+Inf\"} ", h.count, "\n",
                    "cases_grpc_request_duration_seconds_sum{method=\"", m, "\"} ", Number(h.sum),
                    "\n", "cases_grpc_request_duration_seconds_count{method=\"", m, "\"} ", h.count,
                    "\n");
  }
  absl::StrAppend(&out, "# HELP cases_grpc_in_flight gRPC calls being handled now.\n",
                  "# TYPE cases_grpc_in_flight gauge\ncases_grpc_in_flight ", in_flight_.load(),
                  "\n");
  for (const Sampled& s : sampled_) {
    absl::StrAppend(&out, "# HELP ", s.name, " ", s.help, "\n# TYPE ", s.name, " ", s.kind, "\n",
                    s.name, " ", Number(s.read()), "\n");
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
