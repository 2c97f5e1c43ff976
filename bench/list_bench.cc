// Keyset paging cost: walks ListCases to page `deep` (page_size `size`), then
// times `repeat` fetches of page 1 and of page `deep` with the same filter and
// order, and prints both medians and their ratio.
//   list_bench --addr 127.0.0.1:50051 --token T --tenant tenants/ID [--size 100] [--deep 1000]
//              [--repeat 50] [--filter "..."] [--order "create_time desc"]
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "soc/cases/v1/case_service.grpc.pb.h"

namespace v1 = ::soc::cases::v1;

int main(int argc, char** argv) {
  std::string addr = "127.0.0.1:50051", token, tenant, filter, order = "create_time desc";
  int size = 100, deep = 1000, repeat = 50;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--addr") {
      addr = value;
    } else if (flag == "--token") {
      token = value;
    } else if (flag == "--tenant") {
      tenant = value;
    } else if (flag == "--filter") {
      filter = value;
    } else if (flag == "--order") {
      order = value;
    } else if (flag == "--size") {
      (void)absl::SimpleAtoi(value, &size);
    } else if (flag == "--deep") {
      (void)absl::SimpleAtoi(value, &deep);
    } else if (flag == "--repeat") {
      (void)absl::SimpleAtoi(value, &repeat);
    }
  }
  auto stub =
      v1::CaseService::NewStub(grpc::CreateChannel(addr, grpc::InsecureChannelCredentials()));
  auto fetch = [&](const std::string& page_token, v1::ListCasesResponse* out) {
    v1::ListCasesRequest request;
    request.set_parent(tenant);
    request.set_page_size(size);
    request.set_page_token(page_token);
    request.set_filter(filter);
    request.set_order_by(order);
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    return stub->ListCases(&context, request, out);
  };
  std::string deep_token;
  int page = 1;
  for (; page < deep; ++page) {
    v1::ListCasesResponse response;
    grpc::Status s = fetch(deep_token, &response);
    if (!s.ok() || response.next_page_token().empty()) {
      std::fprintf(stderr, "stopped at page %d: %s\n", page, s.error_message().c_str());
      return 1;
    }
    deep_token = response.next_page_token();
  }
  auto median = [&](const std::string& page_token) {
    std::vector<double> ms;
    for (int i = 0; i < repeat; ++i) {
      v1::ListCasesResponse response;
      const absl::Time start = absl::Now();
      fetch(page_token, &response);
      ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
  };
  const double first = median("");
  const double deepest = median(deep_token);
  std::printf(
      "page 1: %.2f ms, page %d: %.2f ms, ratio %.2f (page_size %d, filter '%s', order '%s')\n",
      first, deep, deepest, deepest / first, size, filter.c_str(), order.c_str());
  return 0;
}
