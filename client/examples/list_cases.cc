// Lists the cases a token can see, using the installed SOC Cases SDK:
//   list_cases HOST:PORT TOKEN [PARENT]
#include <cstdio>

#include "cases/client.h"

namespace v1 = ::soc::cases::v1;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: list_cases HOST:PORT TOKEN [PARENT]\n");
    return 2;
  }
  cases::client::ChannelOptions channel;
  channel.target = argv[1];
  cases::client::Client client(cases::client::MakeChannel(channel), argv[2]);
  v1::ListCasesRequest request;
  request.set_parent(argc > 3 ? argv[3] : "tenants/-");
  auto cases = client.ListAll(client.cases(), &v1::CaseService::Stub::ListCases, request,
                              &v1::ListCasesResponse::cases);
  for (const v1::Case& c : cases) {
    std::printf("CASE-%lld %s\n", static_cast<long long>(c.number()), c.display_name().c_str());
  }
  if (!cases.status().ok()) {
    const auto details = cases::client::DetailsOf(cases.status());
    std::fprintf(stderr, "error: %s (%s)\n", details.message.c_str(), details.reason.c_str());
    return 1;
  }
  return 0;
}
