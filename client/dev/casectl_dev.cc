// casectl-dev: development keys, tokens and licence keys for a local casesd
// (`casectl dev ...` forwards here). It links the server-side JWS signing code,
// which is why it is a tool of its own and not part of the customer CLI.
//
//   casectl-dev keys --out DIR
//   casectl-dev token --keys DIR --sub S --tid T --role R [--role R...] [--ttl 1h]
//   casectl-dev license --keys DIR --tenant T --product PRODUCT_MDR --days N [--id LIC]
#include <cstdio>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "client/casectl/args.h"
#include "client/casectl/output.h"
#include "client/dev/dev_keys.h"

namespace cases::client::cli {
namespace {

constexpr char kUsage[] = R"(usage: casectl dev keys --out DIR
       casectl dev token --keys DIR --sub S --tid T --role R [--role R...] [--ttl 1h]
       casectl dev license --keys DIR --tenant T --product PRODUCT_MDR --days N [--id LIC]
)";

absl::StatusOr<std::string> Keys(const Args& args) {
  const std::string out = args.Required("out");
  if (absl::Status s = WriteDevKeys(out); !s.ok()) {
    return s;
  }
  return out;
}

absl::StatusOr<std::string> Token(const Args& args) {
  TokenRequest request;
  request.keys_dir = args.Required("keys");
  request.subject = args.Required("sub");
  request.tenant = args.Required("tid");
  request.roles = args.All("role");
  request.issuer = args.Get("issuer", request.issuer);
  request.audience = args.Get("audience", request.audience);
  if (!absl::ParseDuration(args.Get("ttl", "1h"), &request.ttl) ||
      request.ttl <= absl::ZeroDuration()) {
    throw UsageError("--ttl must be a positive duration like 1h or 30m");
  }
  return MintDevToken(request, absl::Now());
}

absl::StatusOr<std::string> License(const Args& args) {
  LicenseRequest request;
  request.keys_dir = args.Required("keys");
  request.tenant = args.Required("tenant");
  request.product = args.Required("product");
  request.license_id = args.Get("id");
  if (!absl::SimpleAtoi(args.Get("days", "365"), &request.days) || request.days <= 0) {
    throw UsageError("--days must be a positive number");
  }
  return MintDevLicense(request, absl::Now());
}

int Run(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  const std::string sub = args.words.empty() ? "" : args.words[0];
  try {
    if (!args.error.empty()) {
      throw UsageError(args.error);
    }
    absl::StatusOr<std::string> result = sub == "keys"    ? Keys(args)
                                         : sub == "token" ? Token(args)
                                         : sub == "license"
                                             ? License(args)
                                             : throw UsageError("dev keys|token|license");
    if (!result.ok()) {
      std::fprintf(stderr, "casectl: %s\n", std::string(result.status().message()).c_str());
      return kExitServer;
    }
    std::printf("%s\n", result->c_str());
    return kExitOk;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "casectl: %s\n%s", e.what(), kUsage);
    return kExitUsage;
  }
}

}  // namespace
}  // namespace cases::client::cli

int main(int argc, char** argv) { return cases::client::cli::Run(argc, argv); }
