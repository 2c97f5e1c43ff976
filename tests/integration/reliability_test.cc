// Transport security (TLS, mTLS, the plaintext health port), message size limits
// and per-tenant limits, each against a real casesd.
#include <grpcpp/grpcpp.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cases/client.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/integration/world.h"

namespace cases::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// A CA, a server certificate for 127.0.0.1/localhost and a client certificate, made with openssl.
class Certificates {
 public:
  Certificates() : dir_(::testing::TempDir() + "/certs-" + std::to_string(getpid())) {
    const std::string script = absl::StrCat(
        "set -e; mkdir -p ", dir_, "; cd ", dir_,
        "; openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "
        "/CN=test-ca"
        " -keyout ca.key -out ca.crt 2>/dev/null"
        "; openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost"
        " -keyout server.key -out server.csr 2>/dev/null"
        "; printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > san.ext"
        "; openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 "
        "-extfile san.ext"
        " -out server.crt 2>/dev/null"
        "; openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=mdr-tooling"
        " -keyout client.key -out client.csr 2>/dev/null"
        "; openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -out "
        "client.crt"
        " 2>/dev/null");
    ok_ = RunCommand({"/bin/sh", "-c", script}) == 0;
  }
  bool ok() const { return ok_; }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  std::string Pem(const std::string& name) const { return ReadFile(Path(name)); }

 private:
  std::string dir_;
  bool ok_ = false;
};

// GetCallerIdentity without a token: UNAUTHENTICATED proves the transport got through.
grpc::StatusCode Probe(const client::ChannelOptions& channel) {
  client::CallOptions options;
  options.max_attempts = 1;
  options.deadline = std::chrono::milliseconds(3000);
  client::Client c(client::MakeChannel(channel), "", options);
  v1::CallerIdentity out;
  return c
      .Call(c.tenancy(), &v1::TenancyService::Stub::GetCallerIdentity,
            v1::GetCallerIdentityRequest(), &out)
      .error_code();
}

int HealthPort(const CasesdProcess& casesd) {
  std::smatch m;
  const std::string log = casesd.Log();
  int port = 0;
  if (std::regex_search(log, m, std::regex("\"health_port\":(\\d+)"))) {
    (void)absl::SimpleAtoi(m[1].str(), &port);
  }
  return port;
}

TEST(TransportSecurityTest, TlsServesTlsClientsOnly) {
  Certificates certs;
  ASSERT_TRUE(certs.ok());
  TestDatabase db;
  CasesdProcess casesd({"--db=" + db.Dsn(), "--tls_cert=" + certs.Path("server.crt"),
                        "--tls_key=" + certs.Path("server.key")});
  ASSERT_TRUE(casesd.started());
  client::ChannelOptions tls;
  tls.target = casesd.address();
  tls.security = client::ChannelOptions::Security::kTls;
  tls.ca_pem = certs.Pem("ca.crt");
  EXPECT_EQ(Probe(tls), grpc::StatusCode::UNAUTHENTICATED);
  client::ChannelOptions plain;
  plain.target = casesd.address();
  EXPECT_EQ(Probe(plain), grpc::StatusCode::UNAVAILABLE);
}

TEST(TransportSecurityTest, MutualTlsNeedsAClientCertificateAndHealthStaysPlaintext) {
  Certificates certs;
  ASSERT_TRUE(certs.ok());
  TestDatabase db;
  CasesdProcess casesd({"--db=" + db.Dsn(), "--tls_cert=" + certs.Path("server.crt"),
                        "--tls_key=" + certs.Path("server.key"),
                        "--tls_client_ca=" + certs.Path("ca.crt"), "--health_listen=127.0.0.1:0"});
  ASSERT_TRUE(casesd.started());
  client::ChannelOptions channel;
  channel.target = casesd.address();
  channel.security = client::ChannelOptions::Security::kTls;
  channel.ca_pem = certs.Pem("ca.crt");
  EXPECT_EQ(Probe(channel), grpc::StatusCode::UNAVAILABLE);  // no client certificate
  channel.security = client::ChannelOptions::Security::kMutualTls;
  channel.cert_pem = certs.Pem("client.crt");
  channel.key_pem = certs.Pem("client.key");
  EXPECT_EQ(Probe(channel), grpc::StatusCode::UNAUTHENTICATED);

  // Kubernetes' gRPC probes speak plaintext: the health port answers them.
  const int health_port = HealthPort(casesd);
  ASSERT_GT(health_port, 0);
  auto health = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", health_port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(health->Check(&context, request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST(MessageSizeTest, RequestsOverFourMebibytesAreRefused) {
  World world;
  ASSERT_TRUE(world.ok());
  const std::string tenant = world.customer[Licence::kPresent];
  v1::CreateCaseRequest request;
  request.set_parent(tenant);
  request.mutable_case_()->set_display_name("Too big");
  request.mutable_case_()->set_description(std::string(5 * 1024 * 1024, 'x'));
  v1::Case out;
  EXPECT_EQ(
      world.stubs()
          .cases
          ->CreateCase(World::Context(world.Token("TENANT_ADMIN", tenant)).get(), request, &out)
          .error_code(),
      grpc::StatusCode::RESOURCE_EXHAUSTED);
}

class NoisyNeighbourTest : public ::testing::Test {
 protected:
  NoisyNeighbourTest() : world_({"--tenant_rate_limit=40", "--tenant_burst=40"}) {}

  // Median latency (ms) of `n` ListCases calls as `token` on `tenant`, one every 30 ms
  // (within the tenant's own limit of 40/s).
  double MedianMs(const std::string& token, const std::string& tenant, int n, int* errors) {
    std::vector<double> ms;
    for (int i = 0; i < n; ++i) {
      absl::SleepFor(absl::Milliseconds(30));
      v1::ListCasesRequest request;
      request.set_parent(tenant);
      v1::ListCasesResponse out;
      const absl::Time start = absl::Now();
      if (!world_.stubs().cases->ListCases(World::Context(token).get(), request, &out).ok()) {
        ++*errors;
      }
      ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
  }

  World world_;
};

// The flood: `threads` callers on the noisy tenant, each sending every `interval`
// (back to back when zero), tallying throttled calls and their RetryInfo.
struct Flood {
  std::atomic<bool> stop{false};
  std::atomic<int> throttled{0}, admitted{0}, with_retry_info{0};
  std::vector<std::thread> threads;

  Flood(World& world, const std::string& tenant, const std::string& token, int callers,
        absl::Duration interval) {
    for (int t = 0; t < callers; ++t) {
      threads.emplace_back([&world, tenant, token, interval, this] {
        absl::Time next = absl::Now();
        while (!stop.load()) {
          v1::ListCasesRequest request;
          request.set_parent(tenant);
          v1::ListCasesResponse out;
          grpc::Status s =
              world.stubs().cases->ListCases(World::Context(token).get(), request, &out);
          if (s.ok()) {
            ++admitted;
          } else if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
                     GrpcReason(s) == "RATE_LIMITED") {
            ++throttled;
            with_retry_info += client::DetailsOf(s).retry_delay.has_value() ? 1 : 0;
          }
          next = std::max(next + interval, absl::Now() - absl::Milliseconds(50));
          absl::SleepFor(next - absl::Now());
        }
      });
    }
  }
  ~Flood() {
    stop = true;
    for (auto& t : threads) {
      t.join();
    }
  }
};

TEST_F(NoisyNeighbourTest, AFloodingTenantIsThrottledAndAnotherIsNot) {
  ASSERT_TRUE(world_.ok());
  const std::string noisy = world_.customer[Licence::kPresent];
  const std::string quiet = world_.org_customer[Licence::kPresent];
  const std::string noisy_token = world_.Token("TENANT_ADMIN", noisy);
  const std::string quiet_token = world_.Token("TENANT_ADMIN", quiet);
  int quiet_errors = 0;
  const double unloaded = MedianMs(quiet_token, quiet, 50, &quiet_errors);

  // 1 000 calls/s from 8 callers: 25 times the tenant's 40/s.
  double loaded = 0;
  {
    Flood flood(world_, noisy, noisy_token, 8, absl::Milliseconds(8));
    ASSERT_TRUE(WaitFor([&] { return flood.throttled.load() >= 100; }));
    loaded = MedianMs(quiet_token, quiet, 50, &quiet_errors);
    EXPECT_GT(flood.admitted.load(), 0);
    EXPECT_EQ(flood.with_retry_info.load(), flood.throttled.load());
  }
  EXPECT_EQ(quiet_errors, 0);  // the quiet tenant was never throttled
  // Its latency is printed below, not asserted: a timing bound in a test fails on a
  // busy machine (it did on this one); scripts/bench is where latency is judged.

  // For the record, not asserted: 4 callers sending back to back, which keeps the
  // machine's two cores busy on both sides of the connection.
  double saturated = 0;
  {
    Flood flood(world_, noisy, noisy_token, 4, absl::ZeroDuration());
    ASSERT_TRUE(WaitFor([&] { return flood.throttled.load() >= 100; }));
    saturated = MedianMs(quiet_token, quiet, 50, &quiet_errors);
  }
  RecordProperty("quiet_unloaded_median_ms", std::to_string(unloaded));
  RecordProperty("quiet_loaded_median_ms", std::to_string(loaded));
  std::printf(
      "quiet tenant median latency: %.2f ms unloaded, %.2f ms (%.2fx) while its neighbour sends "
      "1000 calls/s, %.2f ms (%.2fx) while it floods back to back from 4 callers\n",
      unloaded, loaded, loaded / unloaded, saturated, saturated / unloaded);
}

}  // namespace
}  // namespace cases::testing
