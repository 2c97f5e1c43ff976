// casectl: the command-line client for support and scripting.
//   casectl dev keys --out DIR
//   casectl dev token --keys DIR --sub S --tid T --role R [--role R...] [--ttl 1h]
//   casectl dev license --keys DIR --tenant T --product PRODUCT_MDR --days N [--id LIC]
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/dev_keys.h"

namespace cases::client {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;
constexpr int kExitError = 1;

constexpr char kUsage[] =
    "usage:\n"
    "  casectl dev keys --out DIR\n"
    "  casectl dev token --keys DIR --sub S --tid T --role R [--role R...] [--ttl 1h]\n"
    "                    [--issuer cases-dev] [--audience cases]\n"
    "  casectl dev license --keys DIR --tenant T --product PRODUCT_MDR --days N [--id LIC]\n";

// --name value / --name=value pairs; repeated names keep every value.
struct Args {
  std::multimap<std::string, std::string> values;
  std::string error;

  std::string Get(const std::string& name, const std::string& fallback = "") const {
    auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
  }
  std::vector<std::string> All(const std::string& name) const {
    std::vector<std::string> out;
    auto [begin, end] = values.equal_range(name);
    for (auto it = begin; it != end; ++it) {
      out.push_back(it->second);
    }
    return out;
  }
};

Args ParseArgs(int argc, char** argv, int first) {
  Args args;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) {
      args.error = "unexpected argument " + a;
      return args;
    }
    a = a.substr(2);
    const size_t eq = a.find('=');
    if (eq != std::string::npos) {
      args.values.emplace(a.substr(0, eq), a.substr(eq + 1));
    } else if (i + 1 < argc) {
      args.values.emplace(a, argv[++i]);
    } else {
      args.error = "--" + a + " needs a value";
      return args;
    }
  }
  return args;
}

int Report(const absl::StatusOr<std::string>& result) {
  if (!result.ok()) {
    std::fprintf(stderr, "casectl: %s\n", std::string(result.status().message()).c_str());
    return kExitError;
  }
  std::printf("%s\n", result->c_str());
  return kExitOk;
}

int Dev(const std::string& verb, const Args& args) {
  if (verb == "keys") {
    const std::string out = args.Get("out");
    if (out.empty()) {
      std::fputs(kUsage, stderr);
      return kExitUsage;
    }
    absl::Status s = WriteDevKeys(out);
    return Report(s.ok() ? absl::StatusOr<std::string>(out) : absl::StatusOr<std::string>(s));
  }
  if (verb == "token") {
    TokenRequest request;
    request.keys_dir = args.Get("keys");
    request.subject = args.Get("sub");
    request.tenant = args.Get("tid");
    request.roles = args.All("role");
    request.issuer = args.Get("issuer", request.issuer);
    request.audience = args.Get("audience", request.audience);
    if (!absl::ParseDuration(args.Get("ttl", "1h"), &request.ttl) ||
        request.ttl <= absl::ZeroDuration()) {
      std::fputs("casectl: --ttl must be a positive duration like 1h or 30m\n", stderr);
      return kExitUsage;
    }
    return Report(MintDevToken(request, absl::Now()));
  }
  if (verb == "license") {
    LicenseRequest request;
    request.keys_dir = args.Get("keys");
    request.tenant = args.Get("tenant");
    request.product = args.Get("product");
    request.license_id = args.Get("id");
    if (!absl::SimpleAtoi(args.Get("days", "365"), &request.days) || request.days <= 0) {
      std::fputs("casectl: --days must be a positive number\n", stderr);
      return kExitUsage;
    }
    return Report(MintDevLicense(request, absl::Now()));
  }
  std::fputs(kUsage, stderr);
  return kExitUsage;
}

}  // namespace
}  // namespace cases::client

int main(int argc, char** argv) {
  using namespace cases::client;  // NOLINT(google-build-using-namespace)
  if (argc < 3 || std::string(argv[1]) != "dev") {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  Args args = ParseArgs(argc, argv, 3);
  if (!args.error.empty()) {
    std::fprintf(stderr, "casectl: %s\n%s", args.error.c_str(), kUsage);
    return kExitUsage;
  }
  return Dev(argv[2], args);
}
