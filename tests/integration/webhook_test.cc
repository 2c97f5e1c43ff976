// Webhooks end to end: real casesd processes deliver to a real local HTTPS
// receiver (httplib's SSLServer, with a certificate from a test CA that casesd
// is told to trust). Signatures, order, retries with backoff, 410, timeouts, the
// address policy at create and at connect time, a kill -9 mid-burst, and two
// replicas sharing one subscription.
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/digest.h"
#include "common/sync.h"
#include "tests/integration/case_service_fixture.h"

namespace cases::testing {
namespace {

constexpr char kSecret[] = "a-receiver-secret-of-32-chars-ok";

// A test CA and a server certificate for localhost / 127.0.0.1, made once.
struct TestPki {
  std::string dir, ca, cert, key;
};

const TestPki& Pki() {
  static const TestPki* pki = [] {
    auto* p = new TestPki;
    char tmpl[] = "/tmp/cases-webhook-pki-XXXXXX";
    p->dir = mkdtemp(tmpl);
    p->ca = p->dir + "/ca.pem";
    p->cert = p->dir + "/server.pem";
    p->key = p->dir + "/server.key";
    const std::string ext = p->dir + "/ext.cnf";
    FILE* f = fopen(ext.c_str(), "w");
    fputs("subjectAltName=DNS:localhost,IP:127.0.0.1\n", f);
    fclose(f);
    const std::vector<std::vector<std::string>> steps = {
        {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", p->dir + "/ca.key", "-out", p->ca, "-days", "2", "-subj",
         "/CN=cases-test-ca"},
        {"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", p->key, "-out", p->dir + "/server.csr", "-subj", "/CN=localhost"},
        {"openssl", "x509", "-req", "-in", p->dir + "/server.csr", "-CA", p->ca, "-CAkey",
         p->dir + "/ca.key", "-CAcreateserial", "-out", p->cert, "-days", "2", "-extfile", ext}};
    for (const auto& step : steps) {
      std::string out;
      EXPECT_EQ(RunCommand(step, &out), 0) << step[1] << ": " << out;
    }
    return p;
  }();
  return *pki;
}

struct Received {
  std::string path, activity, signature, body;
  absl::Time at;
};

// The receiver: POST /ok answers 200, /gone 410, /hang sleeps past the sender's
// timeout, /flaky 500 until `flaky_until`, then 200.
class Receiver {
 public:
  Receiver() : server_(Pki().cert.c_str(), Pki().key.c_str()) {
    server_.Post(R"(/(\w+))", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string path = req.matches[1];
      if (path == "hang") {
        absl::SleepFor(absl::Seconds(12));
      }
      {
        MutexLock lock(&mu_);
        got_.push_back({path, req.get_header_value("Cases-Activity"),
                        req.get_header_value("Cases-Signature"), req.body, absl::Now()});
      }
      int status = 200;
      if (path == "gone") {
        status = 410;
      } else if (path == "flaky" && absl::Now() < flaky_until_) {
        status = 500;
      }
      res.status = status;
      res.set_content("{}", "application/json");
    });
    // Without it, a response's second write waits for the sender's delayed ACK (40 ms).
    server_.set_tcp_nodelay(true);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }

  std::string Uri(const std::string& path) const {
    return absl::StrCat("https://localhost:", port_, "/", path);
  }
  void FlakyFor(absl::Duration d) { flaky_until_ = absl::Now() + d; }

  std::vector<Received> Got(const std::string& path) const {
    MutexLock lock(&mu_);
    std::vector<Received> out;
    for (const Received& r : got_) {
      if (r.path == path) {
        out.push_back(r);
      }
    }
    return out;
  }
  // The distinct activities `path` got, in first-arrival order.
  std::vector<std::string> Distinct(const std::string& path) const {
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (const Received& r : Got(path)) {
      if (seen.insert(r.activity).second) {
        out.push_back(r.activity);
      }
    }
    return out;
  }
  // Waits until `path` got `n` distinct activities; false on timeout.
  bool WaitFor(const std::string& path, size_t n, absl::Duration timeout) const {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      if (Distinct(path).size() >= n) {
        return true;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }

 private:
  httplib::SSLServer server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<absl::Time> flaky_until_{absl::InfinitePast()};
  mutable Mutex mu_;
  std::vector<Received> got_ ABSL_GUARDED_BY(mu_);
};

// Whether `signature` ("t=..,v1=..") signs `body` with kSecret, as a receiver checks it.
bool SignatureVerifies(const std::string& signature, const std::string& body) {
  std::map<std::string, std::string> parts;
  for (absl::string_view kv : absl::StrSplit(signature, ',')) {
    std::pair<std::string, std::string> p = absl::StrSplit(kv, absl::MaxSplits('=', 1));
    parts[p.first] = p.second;
  }
  int64_t t = 0;
  if (!absl::SimpleAtoi(parts["t"], &t) || std::abs(absl::ToUnixSeconds(absl::Now()) - t) > 300) {
    return false;
  }
  return parts["v1"] ==
         absl::BytesToHexString(HmacSha256(kSecret, absl::StrCat(parts["t"], ".", body)));
}

class WebhookTest : public CaseServiceTest {
 protected:
  explicit WebhookTest(std::vector<std::string> flags = {"--webhook_allow_private=true"})
      : CaseServiceTest(WithCa(std::move(flags))) {}

  static std::vector<std::string> WithCa(std::vector<std::string> flags) {
    flags.push_back("--webhook_ca_file=" + Pki().ca);
    flags.push_back("--webhook_lease=15s");
    return flags;
  }

  grpc::Status Subscribe(const std::string& uri, v1::Subscription* out, Stubs* stubs = nullptr,
                         const std::string& tenant = "") {
    v1::CreateSubscriptionRequest request;
    request.set_parent(tenant.empty() ? tenant_ : tenant);
    request.mutable_subscription()->set_display_name("PSA sync");
    request.mutable_subscription()->set_uri(uri);
    request.mutable_subscription()->set_secret(kSecret);
    return (stubs != nullptr ? *stubs : world_.stubs())
        .automation->CreateSubscription(World::Context(admin_).get(), request, out);
  }
  v1::Subscription MustSubscribe(const std::string& uri) {
    v1::Subscription s;
    grpc::Status status = Subscribe(uri, &s);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return s;
  }
  v1::Subscription GetSubscription(const std::string& name, Stubs* stubs = nullptr) {
    v1::GetSubscriptionRequest request;
    request.set_name(name);
    v1::Subscription out;
    EXPECT_TRUE((stubs != nullptr ? *stubs : world_.stubs())
                    .automation->GetSubscription(World::Context(admin_).get(), request, &out)
                    .ok());
    return out;
  }
  std::vector<v1::Delivery> Deliveries(const std::string& name, Stubs* stubs = nullptr) {
    std::vector<v1::Delivery> out;
    v1::ListDeliveriesRequest request;
    request.set_parent(name);
    request.set_page_size(1000);
    while (true) {
      v1::ListDeliveriesResponse response;
      grpc::Status s =
          (stubs != nullptr ? *stubs : world_.stubs())
              .automation->ListDeliveries(World::Context(admin_).get(), request, &response);
      EXPECT_TRUE(s.ok()) << s.error_message();
      out.insert(out.end(), response.deliveries().begin(), response.deliveries().end());
      if (!s.ok() || response.next_page_token().empty()) {
        return out;
      }
      request.set_page_token(response.next_page_token());
    }
  }
  // The tenant's activity names from `first` on, oldest first.
  std::vector<std::string> FeedFrom(const std::string& first, Stubs* stubs = nullptr) {
    std::vector<std::string> names;
    v1::ListActivitiesRequest request;
    request.set_parent(tenant_);
    request.set_page_size(1000);
    while (true) {
      v1::ListActivitiesResponse response;
      grpc::Status s =
          (stubs != nullptr ? *stubs : world_.stubs())
              .activities->ListActivities(World::Context(admin_).get(), request, &response);
      EXPECT_TRUE(s.ok()) << s.error_message();
      for (const auto& a : response.activities()) {
        if (!names.empty() || a.name() == first) {
          names.push_back(a.name());
        }
      }
      if (!s.ok() || response.next_page_token().empty()) {
        return names;
      }
      request.set_page_token(response.next_page_token());
    }
  }
  void CreateCases(int n, Stubs* stubs = nullptr) {
    for (int i = 0; i < n; ++i) {
      v1::CreateCaseRequest request;
      request.set_parent(tenant_);
      *request.mutable_case_() = NewCase(absl::StrCat("Case ", i));
      v1::Case out;
      (void)(stubs != nullptr ? *stubs : world_.stubs())
          .cases->CreateCase(World::Context(admin_).get(), request, &out);
    }
  }

  Receiver receiver_;
};

TEST_F(WebhookTest, DeliversEveryChangeSignedInFeedOrderAndNeverReturnsTheSecret) {
  v1::Subscription s = MustSubscribe(receiver_.Uri("ok"));
  EXPECT_EQ(s.state(), v1::SUBSCRIPTION_STATE_ACTIVE);
  EXPECT_TRUE(s.secret().empty());
  EXPECT_EQ(s.creator(), "alice");
  CreateCases(20);
  ASSERT_TRUE(receiver_.WaitFor("ok", 20, absl::Seconds(20))) << world_.casesd().Log();
  const std::vector<Received> got = receiver_.Got("ok");
  for (const Received& r : got) {
    EXPECT_TRUE(SignatureVerifies(r.signature, r.body)) << r.signature;
    EXPECT_TRUE(absl::StrContains(r.body, absl::StrCat("\"name\":\"", r.activity, "\"")));
    EXPECT_TRUE(absl::StrContains(r.body, "\"type\":\"ACTIVITY_TYPE_CASE_CREATED\""));
  }
  const std::vector<std::string> distinct = receiver_.Distinct("ok");
  EXPECT_EQ(distinct, FeedFrom(distinct.front()));
  const std::vector<v1::Delivery> deliveries = Deliveries(s.name());
  ASSERT_EQ(deliveries.size(), got.size());
  EXPECT_EQ(deliveries.front().activity(), got.back().activity);  // newest first
  for (const v1::Delivery& d : deliveries) {
    EXPECT_EQ(d.http_status(), 200);
    EXPECT_EQ(d.attempt(), 1);
    EXPECT_TRUE(d.error().empty());
  }
  v1::Subscription after = GetSubscription(s.name());
  EXPECT_TRUE(after.has_last_delivery_time());
  EXPECT_TRUE(after.secret().empty());
}

TEST_F(WebhookTest, OnlyTheSubscribedActivityTypesAreSent) {
  v1::CreateSubscriptionRequest request;
  request.set_parent(tenant_);
  request.mutable_subscription()->set_display_name("Updates only");
  request.mutable_subscription()->set_uri(receiver_.Uri("ok"));
  request.mutable_subscription()->set_secret(kSecret);
  request.mutable_subscription()->add_activity_types(v1::ACTIVITY_TYPE_CASE_UPDATED);
  v1::Subscription s;
  ASSERT_TRUE(world_.stubs()
                  .automation->CreateSubscription(World::Context(admin_).get(), request, &s)
                  .ok());
  v1::Case c = MustCreate(NewCase());
  c.set_priority(v1::PRIORITY_HIGH);
  v1::Case updated;
  ASSERT_TRUE(Update(c, {"priority"}, &updated).ok());
  ASSERT_TRUE(receiver_.WaitFor("ok", 1, absl::Seconds(15))) << world_.casesd().Log();
  absl::SleepFor(absl::Seconds(1));
  const std::vector<Received> got = receiver_.Got("ok");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(absl::StrContains(got[0].body, "ACTIVITY_TYPE_CASE_UPDATED"));
}

// A proxy in the server's environment (as CI and corporate hosts set for package
// registries) is not used: the connect-time address check must see the receiver.
TEST_F(WebhookTest, AProxyInTheEnvironmentIsNotUsedForDeliveries) {
  v1::Subscription s = MustSubscribe(receiver_.Uri("ok"));
  world_.casesd().Stop(SIGTERM);
  setenv("https_proxy", "http://127.0.0.1:9", 1);
  setenv("HTTPS_PROXY", "http://127.0.0.1:9", 1);
  setenv("no_proxy", "127.0.0.1", 1);  // so this test's own gRPC calls go direct
  auto replica = world_.StartReplica();
  unsetenv("https_proxy");
  unsetenv("HTTPS_PROXY");
  unsetenv("no_proxy");
  ASSERT_TRUE(replica->started());
  Stubs stubs(replica->Channel());
  CreateCases(1, &stubs);
  EXPECT_TRUE(receiver_.WaitFor("ok", 1, absl::Seconds(15))) << replica->Log();
}

// cases_webhook_oldest_undelivered_seconds{state=...} as `replica` serves it; -1 if absent.
double OldestUndelivered(const CasesdProcess& replica, const std::string& state) {
  return replica.Metric(
      absl::StrCat("cases_webhook_oldest_undelivered_seconds{state=\"", state, "\"}"));
}

TEST_F(WebhookTest, TheBacklogGaugeShowsHowLongEachStateHasWaitedAndOnlyForWhatItWouldSend) {
  auto replica = world_.StartReplica({"--metrics_listen=127.0.0.1:0", "--webhook_probe_every=1s"});
  ASSERT_TRUE(replica->started());
  for (absl::Time deadline = absl::Now() + absl::Seconds(5);
       replica->MetricsPort() == 0 && absl::Now() < deadline;) {
    absl::SleepFor(absl::Milliseconds(50));  // /metrics starts after gRPC does
  }
  ASSERT_GT(replica->MetricsPort(), 0);
  Stubs stubs(replica->Channel());
  auto set_state = [&](const std::string& name, v1::SubscriptionState state) {
    v1::UpdateSubscriptionRequest update;
    update.mutable_subscription()->set_name(name);
    update.mutable_subscription()->set_state(state);
    update.mutable_update_mask()->add_paths("state");
    v1::Subscription out;
    ASSERT_TRUE(
        stubs.automation->UpdateSubscription(World::Context(admin_).get(), update, &out).ok());
  };
  // Waits for a probe that shows `state` as wanted; the last value read.
  auto await_gauge = [&](const std::string& state, const std::function<bool(double)>& wanted) {
    double v = -1;
    for (absl::Time deadline = absl::Now() + absl::Seconds(15); absl::Now() < deadline;) {
      v = OldestUndelivered(*replica, state);
      if (wanted(v)) {
        break;
      }
      absl::SleepFor(absl::Milliseconds(200));
    }
    return v;
  };
  const v1::Subscription all = MustSubscribe(receiver_.Uri("ok"));
  // Paused, but subscribed to updates only: created cases are nothing it would send.
  v1::CreateSubscriptionRequest request;
  request.set_parent(tenant_);
  request.mutable_subscription()->set_display_name("Updates only");
  request.mutable_subscription()->set_uri(receiver_.Uri("updates"));
  request.mutable_subscription()->set_secret(kSecret);
  request.mutable_subscription()->add_activity_types(v1::ACTIVITY_TYPE_CASE_UPDATED);
  v1::Subscription updates;
  ASSERT_TRUE(
      stubs.automation->CreateSubscription(World::Context(admin_).get(), request, &updates).ok());
  set_state(updates.name(), v1::SUBSCRIPTION_STATE_PAUSED);
  CreateCases(3, &stubs);
  ASSERT_TRUE(receiver_.WaitFor("ok", 3, absl::Seconds(15))) << replica->Log();
  absl::SleepFor(absl::Seconds(3));  // probes after both saw the creates
  EXPECT_EQ(OldestUndelivered(*replica, "paused"), 0);
  EXPECT_EQ(OldestUndelivered(*replica, "active"), 0);
  EXPECT_EQ(OldestUndelivered(*replica, "disabled"), 0);
  EXPECT_EQ(OldestUndelivered(*replica, "failing"), 0);

  // Paused with something to send: the age is of the oldest, and grows.
  set_state(all.name(), v1::SUBSCRIPTION_STATE_PAUSED);
  CreateCases(2, &stubs);
  const double first = await_gauge("paused", [](double v) { return v > 0; });
  EXPECT_GT(first, 0);
  EXPECT_LT(first, 30);
  absl::SleepFor(absl::Seconds(2));
  EXPECT_GT(OldestUndelivered(*replica, "paused"), first + 1);

  // Resumed: it sends the backlog and nothing waits any more.
  set_state(all.name(), v1::SUBSCRIPTION_STATE_ACTIVE);
  ASSERT_TRUE(receiver_.WaitFor("ok", 5, absl::Seconds(15))) << replica->Log();
  EXPECT_EQ(await_gauge("paused", [](double v) { return v == 0; }), 0);
  EXPECT_EQ(await_gauge("active", [](double v) { return v == 0; }), 0);
  EXPECT_TRUE(receiver_.Got("updates").empty());
}

// A provider MDR analyst's subscription carries what that analyst may read across
// the customers: MDR service requests, not a tenant's self-managed (XDR) cases.
TEST_F(WebhookTest, AnAnalystsSubscriptionSendsOnlyWhatTheAnalystMayRead) {
  const std::string mdr = world_.Token("MDR_ANALYST", world_.provider, "mdr");
  v1::CreateSubscriptionRequest subscribe;
  subscribe.set_parent(world_.provider);
  subscribe.mutable_subscription()->set_display_name("MDR queue");
  subscribe.mutable_subscription()->set_uri(receiver_.Uri("mdr"));
  subscribe.mutable_subscription()->set_secret(kSecret);
  v1::Subscription s;
  grpc::Status status =
      world_.stubs().automation->CreateSubscription(World::Context(mdr).get(), subscribe, &s);
  ASSERT_TRUE(status.ok()) << status.error_message();
  MustCreate(NewCase("Self managed"));
  const v1::ServiceRequest sr = MustOpenMdrRequest("Please look at host-17");
  ASSERT_FALSE(sr.name().empty());
  ASSERT_TRUE(receiver_.WaitFor("mdr", 1, absl::Seconds(15))) << world_.casesd().Log();
  absl::SleepFor(absl::Seconds(1));
  const std::vector<Received> got = receiver_.Got("mdr");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(absl::StrContains(got[0].body, "ACTIVITY_TYPE_SERVICE_REQUEST_CREATED"));
  EXPECT_TRUE(absl::StrContains(got[0].body, sr.name()));
}

TEST_F(WebhookTest, GoneDisablesTheSubscriptionAtOnceAndActiveResumesIt) {
  v1::Subscription s = MustSubscribe(receiver_.Uri("gone"));
  CreateCases(3);
  ASSERT_TRUE(receiver_.WaitFor("gone", 1, absl::Seconds(15))) << world_.casesd().Log();
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (GetSubscription(s.name()).state() != v1::SUBSCRIPTION_STATE_DISABLED &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  v1::Subscription disabled = GetSubscription(s.name());
  EXPECT_EQ(disabled.state(), v1::SUBSCRIPTION_STATE_DISABLED);
  EXPECT_EQ(disabled.last_error(), "HTTP 410");
  absl::SleepFor(absl::Seconds(2));
  EXPECT_EQ(receiver_.Got("gone").size(), 1u);  // no retry after a 410
  // Pointing it elsewhere and resuming delivers from where it stopped.
  v1::UpdateSubscriptionRequest update;
  update.mutable_subscription()->set_name(s.name());
  update.mutable_subscription()->set_uri(receiver_.Uri("ok"));
  update.mutable_subscription()->set_state(v1::SUBSCRIPTION_STATE_ACTIVE);
  update.mutable_update_mask()->add_paths("uri");
  update.mutable_update_mask()->add_paths("state");
  v1::Subscription resumed;
  ASSERT_TRUE(world_.stubs()
                  .automation->UpdateSubscription(World::Context(admin_).get(), update, &resumed)
                  .ok());
  EXPECT_EQ(resumed.state(), v1::SUBSCRIPTION_STATE_ACTIVE);
  ASSERT_TRUE(receiver_.WaitFor("ok", 3, absl::Seconds(15))) << world_.casesd().Log();
  EXPECT_EQ(receiver_.Distinct("ok").front(), receiver_.Got("gone").front().activity);
}

TEST_F(WebhookTest, AFailingReceiverGetsEverythingInOrderOnceItRecoversWithBackoffInTheLog) {
  receiver_.FlakyFor(absl::Minutes(1));
  v1::Subscription s = MustSubscribe(receiver_.Uri("flaky"));
  CreateCases(5);
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ(GetSubscription(s.name()).state(), v1::SUBSCRIPTION_STATE_FAILING);
  ASSERT_TRUE(receiver_.WaitFor("flaky", 5, absl::Seconds(150))) << world_.casesd().Log();
  const std::vector<std::string> distinct = receiver_.Distinct("flaky");
  EXPECT_EQ(distinct, FeedFrom(distinct.front()));
  // The head activity was tried again and again, each wait about twice the last.
  std::vector<v1::Delivery> deliveries = Deliveries(s.name());
  std::reverse(deliveries.begin(), deliveries.end());  // oldest first
  std::vector<absl::Time> failed_at;
  for (const v1::Delivery& d : deliveries) {
    if (d.activity() == distinct.front() && d.http_status() == 500) {
      failed_at.push_back(absl::FromUnixSeconds(d.create_time().seconds()) +
                          absl::Nanoseconds(d.create_time().nanos()));
      EXPECT_EQ(d.attempt(), static_cast<int>(failed_at.size()));
    }
  }
  ASSERT_GE(failed_at.size(), 5u);
  for (size_t i = 2; i < failed_at.size(); ++i) {
    const absl::Duration gap = failed_at[i] - failed_at[i - 1];
    const absl::Duration previous = failed_at[i - 1] - failed_at[i - 2];
    EXPECT_GE(gap, previous * 1.5) << "attempt " << i + 1;
  }
  EXPECT_EQ(GetSubscription(s.name()).state(), v1::SUBSCRIPTION_STATE_ACTIVE);
}

TEST_F(WebhookTest, AHangingReceiverTimesOutAtTenSecondsWithoutHoldingUpOtherSubscriptions) {
  v1::Subscription hanging = MustSubscribe(receiver_.Uri("hang"));
  v1::Subscription healthy = MustSubscribe(receiver_.Uri("ok"));
  const absl::Time start = absl::Now();
  CreateCases(10);
  ASSERT_TRUE(receiver_.WaitFor("ok", 10, absl::Seconds(15))) << world_.casesd().Log();
  EXPECT_LT(absl::Now() - start, absl::Seconds(8));  // not behind the hanging one's 10 s
  absl::Time deadline = absl::Now() + absl::Seconds(20);
  std::vector<v1::Delivery> attempts;
  while (attempts.empty() && absl::Now() < deadline) {
    attempts = Deliveries(hanging.name());
    absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_FALSE(attempts.empty());
  const v1::Delivery& first = attempts.back();
  EXPECT_EQ(first.http_status(), 0);
  EXPECT_TRUE(absl::StrContains(first.error(), "imeout")) << first.error();
  EXPECT_GE(first.latency().seconds(), 9);
  EXPECT_LE(first.latency().seconds(), 11);
  // The API stays responsive meanwhile: the attempt holds no database connection.
  EXPECT_EQ(GetSubscription(hanging.name()).state(), v1::SUBSCRIPTION_STATE_FAILING);
}

TEST_F(WebhookTest, TwoReplicasDeliverAThousandActivitiesAndNeverSendTheSameAttemptTwice) {
  auto replica = world_.StartReplica();
  ASSERT_TRUE(replica->started());
  Stubs replica_stubs(replica->Channel());
  v1::Subscription s = MustSubscribe(receiver_.Uri("ok"));
  std::thread other([&] { CreateCases(500, &replica_stubs); });
  CreateCases(500);
  other.join();
  ASSERT_TRUE(receiver_.WaitFor("ok", 1000, absl::Seconds(60))) << receiver_.Distinct("ok").size();
  const std::vector<std::string> distinct = receiver_.Distinct("ok");
  EXPECT_EQ(distinct, FeedFrom(distinct.front()));
  EXPECT_EQ(receiver_.Got("ok").size(), 1000u);  // no activity sent twice
  EXPECT_EQ(Deliveries(s.name()).size(), 1000u);
}

TEST_F(WebhookTest, KilledMidBurstEveryCommittedActivityIsDeliveredAfterRestartInOrder) {
  v1::Subscription s = MustSubscribe(receiver_.Uri("ok"));
  std::thread writer([&] { CreateCases(500); });
  absl::SleepFor(absl::Milliseconds(400));
  world_.casesd().Stop(SIGKILL);
  writer.join();
  auto restarted = world_.StartReplica();
  ASSERT_TRUE(restarted->started());
  Stubs stubs(restarted->Channel());
  // Every committed activity: the feed from the first one the receiver saw.
  ASSERT_TRUE(receiver_.WaitFor("ok", 1, absl::Seconds(30)));
  const std::vector<std::string> committed = FeedFrom(receiver_.Distinct("ok").front(), &stubs);
  ASSERT_TRUE(receiver_.WaitFor("ok", committed.size(), absl::Seconds(60)))
      << receiver_.Distinct("ok").size() << " of " << committed.size();
  EXPECT_EQ(receiver_.Distinct("ok"), committed);
  const size_t twice = receiver_.Got("ok").size() - committed.size();
  std::cout << "kill -9 mid-burst: " << committed.size() << " committed, delivered "
            << receiver_.Got("ok").size() << " times (" << twice << " twice)\n";
  EXPECT_LE(twice, 300u);  // at most the rounds in flight at the kill
}

// Without --webhook_allow_private: the address policy, at create and at connect.
class WebhookPolicyTest : public WebhookTest {
 protected:
  WebhookPolicyTest()
      : WebhookTest({"--webhook_resolve=hooks.internal.test:443:10.0.0.1,"
                     "hooks.public.test:443:203.0.113.10"}) {}
};

TEST_F(WebhookPolicyTest, PrivateLoopbackMetadataAndPlainHttpTargetsAreRefusedAtCreate) {
  for (const std::string uri :
       {"https://127.0.0.1/hook", "http://169.254.169.254/latest/meta-data",
        "https://169.254.169.254/x", "https://hooks.internal.test/hook", "https://[::1]/hook",
        "https://localhost/hook", "http://hooks.public.test/hook", "ftp://hooks.public.test/",
        "https://user@hooks.public.test/hook"}) {
    v1::Subscription s;
    grpc::Status status = Subscribe(uri, &s);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << uri;
    EXPECT_EQ(GrpcViolationFields(status), std::vector<std::string>{"subscription.uri"}) << uri;
  }
  v1::ListSubscriptionsRequest list;
  list.set_parent(tenant_);
  v1::ListSubscriptionsResponse listed;
  ASSERT_TRUE(world_.stubs()
                  .automation->ListSubscriptions(World::Context(admin_).get(), list, &listed)
                  .ok());
  EXPECT_EQ(listed.subscriptions_size(), 0);  // nothing was saved
}

TEST_F(WebhookPolicyTest, ANameThatLaterResolvesToAPrivateAddressIsRefusedAtConnectTime) {
  v1::Subscription s;
  ASSERT_TRUE(Subscribe("https://hooks.public.test/hook", &s).ok());
  // The name now resolves privately (DNS rebinding): a replica that sees it so.
  world_.casesd().Stop(SIGTERM);
  auto replica = world_.StartReplica(WithCa({"--webhook_resolve=hooks.public.test:443:10.0.0.1"}));
  ASSERT_TRUE(replica->started());
  Stubs stubs(replica->Channel());
  CreateCases(1, &stubs);
  absl::Time deadline = absl::Now() + absl::Seconds(40);
  std::vector<v1::Delivery> attempts;
  while (attempts.empty() && absl::Now() < deadline) {
    attempts = Deliveries(s.name(), &stubs);
    absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_FALSE(attempts.empty()) << replica->Log();
  EXPECT_EQ(attempts.back().http_status(), 0);
  EXPECT_TRUE(absl::StartsWith(attempts.back().error(), "refused")) << attempts.back().error();
}

TEST_F(WebhookTest, BadSubscriptionsAreRefusedFieldByField) {
  v1::CreateSubscriptionRequest request;
  request.set_parent(tenant_);
  request.mutable_subscription()->set_secret("short");
  request.mutable_subscription()->add_activity_types(static_cast<v1::ActivityType>(999));
  v1::Subscription out;
  grpc::Status status =
      world_.stubs().automation->CreateSubscription(World::Context(admin_).get(), request, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const std::vector<std::string> fields = GrpcViolationFields(status);
  for (const char* f : {"subscription.display_name", "subscription.uri", "subscription.secret",
                        "subscription.activity_types"}) {
    EXPECT_NE(std::find(fields.begin(), fields.end(), f), fields.end()) << f;
  }
}

// The README's partner session: casectl manages the subscription, and the
// Python receiver of client/python/examples verifies every signature.
TEST_F(WebhookTest, CasectlWiresAWebhookAndThePythonReceiverVerifiesItsSignatures) {
  const std::string secret_file = Pki().dir + "/psa-secret.txt";
  FILE* f = fopen(secret_file.c_str(), "w");
  fputs(kSecret, f);
  fputs("\n", f);
  fclose(f);
  const int port = 20000 + static_cast<int>(getpid() % 20000);
  std::string received;
  std::thread python([&] {
    RunCommand({"/bin/sh", "-c",
                absl::StrCat("timeout 8 /usr/bin/python3 " CASES_SOURCE_DIR
                             "/client/python/examples/webhook_receiver.py '",
                             kSecret, "' ", Pki().cert, " ", Pki().key, " ", port, " 2>/dev/null")},
               &received);
  });
  absl::SleepFor(absl::Milliseconds(500));
  auto casectl = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {CASECTL_PATH, "--addr", world_.casesd().address(), "--token",
                                     admin_};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string out;
    EXPECT_EQ(RunCommand(argv, &out), 0) << out;
    return out;
  };
  std::string out = casectl({"subscriptions", "create", "--parent", tenant_, "--name", "PSA sync",
                             "--uri", absl::StrCat("https://localhost:", port, "/hooks/cases"),
                             "--secret-file", secret_file, "--type", "CASE_CREATED"});
  EXPECT_THAT(out, ::testing::HasSubstr("ACTIVE"));
  const size_t at = out.find("tenants/");
  ASSERT_NE(at, std::string::npos) << out;
  const std::string name = out.substr(at, out.find_first_of(" \n", at) - at);
  EXPECT_THAT(casectl({"subscriptions", "list", "--parent", tenant_}), ::testing::HasSubstr(name));
  EXPECT_THAT(casectl({"subscriptions", "pause", name}), ::testing::HasSubstr("PAUSED"));
  MustCreate(NewCase("Held while paused"));
  EXPECT_THAT(casectl({"subscriptions", "resume", name}), ::testing::HasSubstr("ACTIVE"));
  MustCreate(NewCase("After the resume"));
  python.join();
  EXPECT_EQ(std::count(received.begin(), received.end(), '\n'), 2) << received;
  EXPECT_THAT(received, ::testing::Not(::testing::HasSubstr("REJECTED")));
  EXPECT_THAT(received, ::testing::MatchesRegex("(tenants/[^ ]+/activities/[^ ]+ verified\n){2}"));
  EXPECT_THAT(casectl({"subscriptions", "deliveries", name}), ::testing::ContainsRegex("1 +200 +"));
  EXPECT_THAT(casectl({"subscriptions", "rm", name}), ::testing::HasSubstr("removed " + name));
}

}  // namespace
}  // namespace cases::testing
