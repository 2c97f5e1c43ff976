// Ingest throughput: N callers each send `batches` IngestDetections calls of
// `batch` new detections (spread over 50 alert keys) and the run reports
// detections per second, repeated `runs` times with the median printed last.
//   ingest_bench --addr 127.0.0.1:50051 --token T --tenant tenants/ID [--batch 500]
//                [--batches 20] [--callers 2] [--runs 3]
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/ids.h"
#include "soc/cases/v1/detection_service.grpc.pb.h"

namespace v1 = ::soc::cases::v1;

int main(int argc, char** argv) {
  std::string addr = "127.0.0.1:50051", token, tenant;
  int batch = 500, batches = 20, callers = 2, runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--addr") {
      addr = value;
    } else if (flag == "--token") {
      token = value;
    } else if (flag == "--tenant") {
      tenant = value;
    } else if (flag == "--batch") {
      (void)absl::SimpleAtoi(value, &batch);
    } else if (flag == "--batches") {
      (void)absl::SimpleAtoi(value, &batches);
    } else if (flag == "--callers") {
      (void)absl::SimpleAtoi(value, &callers);
    } else if (flag == "--runs") {
      (void)absl::SimpleAtoi(value, &runs);
    }
  }
  if (token.empty() || tenant.empty()) {
    std::fprintf(stderr, "usage: ingest_bench --addr HOST:PORT --token T --tenant tenants/ID\n");
    return 2;
  }
  auto channel = grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
  std::vector<double> rates;
  for (int run = 0; run < runs; ++run) {
    const absl::Time start = absl::Now();
    std::vector<std::thread> threads;
    std::atomic<long> failures{0};
    for (int c = 0; c < callers; ++c) {
      threads.emplace_back([&] {
        auto stub = v1::DetectionService::NewStub(channel);
        for (int b = 0; b < batches; ++b) {
          v1::IngestDetectionsRequest request;
          request.set_parent(tenant);
          const std::string prefix = cases::NewIdText();
          for (int i = 0; i < batch; ++i) {
            auto* d = request.add_detections();
            d->set_external_id(absl::StrCat(prefix, "-", i));
            d->set_alert_key(absl::StrCat("bench-", i % 50));
            d->set_product(v1::PRODUCT_XDR);
            d->set_severity(static_cast<v1::Severity>(1 + i % 4));
            d->set_title("Benchmark detection");
            d->set_device("host");
            (*d->mutable_attributes())["k"] = "v";
            d->mutable_detect_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
          }
          grpc::ClientContext context;
          context.AddMetadata("authorization", "Bearer " + token);
          v1::IngestDetectionsResponse response;
          if (!stub->IngestDetections(&context, request, &response).ok()) {
            ++failures;
          }
        }
      });
    }
    for (auto& t : threads) {
      t.join();
    }
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    const double rate = static_cast<double>(batch) * batches * callers / seconds;
    rates.push_back(rate);
    std::printf("run %d: %.0f detections/s (%ld failed calls)\n", run + 1, rate, failures.load());
  }
  std::sort(rates.begin(), rates.end());
  std::printf("median: %.0f detections/s (batch %d, %d callers)\n", rates[rates.size() / 2], batch,
              callers);
  return 0;
}
