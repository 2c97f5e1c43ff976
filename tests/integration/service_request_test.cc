// ServiceRequestService on real servers: licences and roles, provider listing
// across tenants, messages, and StreamMessages across two casesd replicas,
// with cancel, drain, caps and reconnects.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "tests/integration/world.h"

namespace cases::testing {
namespace {

class ServiceRequestTest : public ::testing::Test {
 protected:
  explicit ServiceRequestTest(std::vector<std::string> flags = {}) : world_(std::move(flags)) {}

  void SetUp() override {
    ASSERT_TRUE(world_.ok());
    tenant_ = world_.customer[Licence::kPresent];
    customer_ = world_.Token("TENANT_ADMIN", tenant_, "customer-admin");
    mdr_ = world_.Token("MDR_ANALYST", world_.provider, "mdr-analyst");
    risk_ = world_.Token("MANAGED_RISK_ANALYST", world_.provider, "risk-analyst");
  }

  grpc::Status Create(v1::ServiceRequestType type, v1::ServiceRequest* out,
                      const std::string& tenant = "", const std::string& token = "") {
    v1::CreateServiceRequestRequest request;
    request.set_parent(tenant.empty() ? tenant_ : tenant);
    request.mutable_service_request()->set_type(type);
    request.mutable_service_request()->set_display_name("Please look at host-17");
    request.mutable_service_request()->set_description("It is *slow* since Monday.");
    return world_.stubs().requests->CreateServiceRequest(
        World::Context(token.empty() ? customer_ : token).get(), request, out);
  }

  v1::ServiceRequest MustCreate(v1::ServiceRequestType type = v1::SERVICE_REQUEST_TYPE_MDR) {
    v1::ServiceRequest out;
    grpc::Status s = Create(type, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  grpc::Status Post(const std::string& parent, const std::string& body, v1::Message* out,
                    const std::string& token = "", Stubs* stubs = nullptr) {
    v1::CreateMessageRequest request;
    request.set_parent(parent);
    request.mutable_message()->set_body(body);
    return (stubs ? *stubs : world_.stubs())
        .requests->CreateMessage(World::Context(token.empty() ? customer_ : token).get(), request,
                                 out);
  }

  // Reads `n` messages from a stream (or fewer by the deadline).
  std::vector<v1::Message> Read(grpc::ClientReader<v1::Message>* reader, size_t n) {
    std::vector<v1::Message> out;
    v1::Message m;
    while (out.size() < n && reader->Read(&m)) {
      out.push_back(m);
    }
    return out;
  }

  std::unique_ptr<grpc::ClientContext> StreamContext(absl::Duration deadline = absl::Seconds(20)) {
    auto context = World::Context(customer_);
    context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline));
    return context;
  }

  World world_;
  std::string tenant_, customer_, mdr_, risk_;
};

TEST_F(ServiceRequestTest, EachTypeNeedsItsLicence) {
  const std::string tenant =
      world_.CreateTenant(world_.main_partner, v1::TENANT_KIND_TENANT, "Risk Only");
  world_.InstallLicense(tenant, "PRODUCT_MANAGED_RISK");
  const std::string admin = world_.Token("TENANT_ADMIN", tenant);
  v1::ServiceRequest out;
  grpc::Status s = Create(v1::SERVICE_REQUEST_TYPE_MDR, &out, tenant, admin);
  EXPECT_THAT(s, StatusIs(grpc::StatusCode::PERMISSION_DENIED, "LICENSE_REQUIRED"));
  EXPECT_NE(s.error_details().find("PRODUCT_MDR"), std::string::npos);
  ASSERT_TRUE(Create(v1::SERVICE_REQUEST_TYPE_MANAGED_RISK, &out, tenant, admin).ok());
  EXPECT_EQ(out.status(), v1::SERVICE_REQUEST_STATUS_OPEN);
  EXPECT_EQ(out.type(), v1::SERVICE_REQUEST_TYPE_MANAGED_RISK);
}

TEST_F(ServiceRequestTest, OnlyTheMatchingProviderTeamChangesTheStatusAndNothingElseChanges) {
  v1::ServiceRequest sr = MustCreate();
  v1::UpdateServiceRequestRequest update;
  *update.mutable_service_request() = sr;
  update.mutable_service_request()->set_status(v1::SERVICE_REQUEST_STATUS_IN_PROGRESS);
  update.mutable_update_mask()->add_paths("status");
  v1::ServiceRequest out;
  EXPECT_THAT(
      world_.stubs().requests->UpdateServiceRequest(World::Context(customer_).get(), update, &out),
      StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
  EXPECT_THAT(
      world_.stubs().requests->UpdateServiceRequest(World::Context(risk_).get(), update, &out),
      StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
  ASSERT_TRUE(
      world_.stubs().requests->UpdateServiceRequest(World::Context(mdr_).get(), update, &out).ok());
  EXPECT_EQ(out.status(), v1::SERVICE_REQUEST_STATUS_IN_PROGRESS);
  update.mutable_update_mask()->add_paths("display_name");
  grpc::Status s =
      world_.stubs().requests->UpdateServiceRequest(World::Context(mdr_).get(), update, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(s), ::testing::ElementsAre("update_mask"));
}

TEST_F(ServiceRequestTest, ProviderAnalystsListTheirProductAcrossTenants) {
  const v1::ServiceRequest mine = MustCreate(v1::SERVICE_REQUEST_TYPE_MDR);
  MustCreate(v1::SERVICE_REQUEST_TYPE_MANAGED_RISK);
  v1::ServiceRequest foreign;
  ASSERT_TRUE(Create(v1::SERVICE_REQUEST_TYPE_MDR, &foreign,
                     world_.foreign_customer[Licence::kPresent],
                     world_.Token("TENANT_ADMIN", world_.foreign_customer[Licence::kPresent]))
                  .ok());
  v1::ListServiceRequestsRequest list;
  list.set_parent("tenants/-");
  v1::ListServiceRequestsResponse page;
  ASSERT_TRUE(
      world_.stubs().requests->ListServiceRequests(World::Context(mdr_).get(), list, &page).ok());
  std::set<std::string> names;
  for (const auto& sr : page.service_requests()) {
    EXPECT_EQ(sr.type(), v1::SERVICE_REQUEST_TYPE_MDR);
    names.insert(sr.name());
  }
  EXPECT_EQ(names, std::set<std::string>({mine.name(), foreign.name()}));
  ASSERT_TRUE(
      world_.stubs().requests->ListServiceRequests(World::Context(risk_).get(), list, &page).ok());
  ASSERT_EQ(page.service_requests_size(), 1);
  EXPECT_EQ(page.service_requests(0).type(), v1::SERVICE_REQUEST_TYPE_MANAGED_RISK);
  // A customer sees both of its own.
  list.set_parent(tenant_);
  ASSERT_TRUE(world_.stubs()
                  .requests->ListServiceRequests(World::Context(customer_).get(), list, &page)
                  .ok());
  EXPECT_EQ(page.service_requests_size(), 2);
}

TEST_F(ServiceRequestTest, MessagesRecordAuthorAndSideAndListOldestFirst) {
  v1::ServiceRequest sr = MustCreate();
  v1::Message out;
  ASSERT_TRUE(Post(sr.name(), "Hello, we see odd logins.", &out).ok());
  EXPECT_EQ(out.side(), v1::MESSAGE_SIDE_CUSTOMER);
  EXPECT_EQ(out.author(), "customer-admin");
  ASSERT_TRUE(Post(sr.name(), "Looking into it.", &out, mdr_).ok());
  EXPECT_EQ(out.side(), v1::MESSAGE_SIDE_PROVIDER);
  EXPECT_THAT(Post(sr.name(), "Not my product.", &out, risk_),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(Post(sr.name(), absl::StrCat("update ", i), &out).ok());
  }
  grpc::Status s = Post(sr.name(), std::string(16 * 1024 + 1, 'x'), &out);
  EXPECT_THAT(GrpcViolationFields(s), ::testing::ElementsAre("message.body"));
  EXPECT_THAT(GrpcViolationFields(Post(sr.name(), "", &out)),
              ::testing::ElementsAre("message.body"));

  std::vector<std::string> bodies;
  v1::ListMessagesRequest list;
  list.set_parent(sr.name());
  list.set_page_size(3);
  do {
    v1::ListMessagesResponse page;
    ASSERT_TRUE(
        world_.stubs().requests->ListMessages(World::Context(mdr_).get(), list, &page).ok());
    for (const auto& m : page.messages()) {
      bodies.push_back(m.body());
    }
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  ASSERT_EQ(bodies.size(), 7u);
  EXPECT_EQ(bodies[0], "Hello, we see odd logins.");
  EXPECT_EQ(bodies[1], "Looking into it.");
  EXPECT_EQ(bodies[6], "update 4");
}

TEST_F(ServiceRequestTest, StreamSendsBacklogThenMessagesWrittenThroughAnotherReplica) {
  v1::ServiceRequest sr = MustCreate();
  v1::Message out;
  ASSERT_TRUE(Post(sr.name(), "before 1", &out).ok());
  ASSERT_TRUE(Post(sr.name(), "before 2", &out).ok());
  auto replica = world_.StartReplica();
  ASSERT_TRUE(replica->started());
  Stubs second(replica->Channel());

  auto context = StreamContext();
  v1::StreamMessagesRequest request;
  request.set_parent(sr.name());
  auto reader = world_.stubs().requests->StreamMessages(context.get(), request);
  auto backlog = Read(reader.get(), 2);
  ASSERT_EQ(backlog.size(), 2u);
  EXPECT_EQ(backlog[0].body(), "before 1");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Post(sr.name(), absl::StrCat("via replica ", i), &out, mdr_, &second).ok());
  }
  ASSERT_TRUE(Post(sr.name(), "via first", &out).ok());
  auto live = Read(reader.get(), 4);
  ASSERT_EQ(live.size(), 4u);
  std::set<std::string> bodies;
  for (const auto& m : live) {
    bodies.insert(m.body());
  }
  EXPECT_EQ(bodies, std::set<std::string>(
                        {"via replica 0", "via replica 1", "via replica 2", "via first"}));
  context->TryCancel();
  reader->Finish();
}

TEST_F(ServiceRequestTest, ReconnectWithStartAfterLosesAndRepeatsNothing) {
  v1::ServiceRequest sr = MustCreate();
  v1::Message out;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Post(sr.name(), absl::StrCat("m", i), &out).ok());
  }
  std::string last;
  {
    auto context = StreamContext();
    v1::StreamMessagesRequest request;
    request.set_parent(sr.name());
    auto reader = world_.stubs().requests->StreamMessages(context.get(), request);
    auto got = Read(reader.get(), 3);
    ASSERT_EQ(got.size(), 3u);
    last = got.back().name();
    context->TryCancel();
    reader->Finish();
  }
  for (int i = 3; i < 5; ++i) {
    ASSERT_TRUE(Post(sr.name(), absl::StrCat("m", i), &out).ok());
  }
  auto context = StreamContext(absl::Seconds(3));
  v1::StreamMessagesRequest request;
  request.set_parent(sr.name());
  request.set_start_after(last);
  auto reader = world_.stubs().requests->StreamMessages(context.get(), request);
  std::vector<std::string> bodies;
  v1::Message m;
  while (reader->Read(&m)) {  // until the deadline: nothing more may arrive
    bodies.push_back(m.body());
  }
  EXPECT_EQ(bodies, std::vector<std::string>({"m3", "m4"}));
}

TEST_F(ServiceRequestTest, AStreamBehindTheBufferSaysWhichMessageToResumeAfter) {
  v1::ServiceRequest sr = MustCreate();
  v1::Message first;
  ASSERT_TRUE(Post(sr.name(), "m0", &first).ok());
  // The replica's streams may fall 4 activities behind; the posts go to the first
  // replica, so the second's poller takes them in bursts larger than that.
  auto replica = world_.StartReplica({"--stream_buffer=4"});
  ASSERT_TRUE(replica->started());
  Stubs second(replica->Channel());
  auto context = StreamContext(absl::Seconds(30));
  v1::StreamMessagesRequest request;
  request.set_parent(sr.name());
  request.set_start_after(first.name());
  auto reader = second.requests->StreamMessages(context.get(), request);
  v1::Message out;
  for (int i = 1; i <= 40; ++i) {
    ASSERT_TRUE(Post(sr.name(), absl::StrCat("m", i), &out).ok());
  }
  std::vector<v1::Message> got = Read(reader.get(), 1000);
  grpc::Status ended = reader->Finish();
  ASSERT_THAT(ended, StatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED, "STREAM_BEHIND"));
  EXPECT_EQ(GrpcErrorMetadata(ended)["resume_after"],
            got.empty() ? first.name() : got.back().name());

  request.set_start_after(GrpcErrorMetadata(ended)["resume_after"]);
  auto resumed_context = StreamContext(absl::Seconds(30));
  auto resumed = world_.stubs().requests->StreamMessages(resumed_context.get(), request);
  for (const v1::Message& m : Read(resumed.get(), 40 - got.size())) {
    got.push_back(m);
  }
  resumed_context->TryCancel();
  ASSERT_EQ(got.size(), 40u);
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(got[i].body(), absl::StrCat("m", i + 1));
  }
}

// The threads of process `pid` (0 when unreadable).
int ThreadsOf(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  int threads = 0;
  while (std::getline(status, line)) {
    if (std::sscanf(line.c_str(), "Threads: %d", &threads) == 1) {
      break;
    }
  }
  return threads;
}

TEST_F(ServiceRequestTest, OpenStreamsHoldNoThreadOfTheirOwn) {
  constexpr int kStreams = 300;
  v1::ServiceRequest sr = MustCreate();
  const int before = ThreadsOf(world_.casesd().pid());
  ASSERT_GT(before, 0);
  v1::StreamMessagesRequest request;
  request.set_parent(sr.name());
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::Message>>> readers;
  for (int i = 0; i < kStreams; ++i) {
    contexts.push_back(StreamContext(absl::Seconds(60)));
    readers.push_back(world_.stubs().requests->StreamMessages(contexts.back().get(), request));
  }
  v1::Message out;
  ASSERT_TRUE(Post(sr.name(), "to everyone", &out, mdr_).ok());
  // Every stream is open and has delivered (from its backlog or live) ...
  for (auto& reader : readers) {
    const std::vector<v1::Message> got = Read(reader.get(), 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].body(), "to everyone");
  }
  // ... and is still open: a thread per stream would show as 300 more.
  const int during = ThreadsOf(world_.casesd().pid());
  EXPECT_LT(during - before, 30) << before << " threads before, " << during << " with " << kStreams
                                 << " streams open";
  for (size_t i = 0; i < readers.size(); ++i) {
    contexts[i]->TryCancel();
    EXPECT_EQ(readers[i]->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
}

class StreamLimitTest : public ServiceRequestTest {
 protected:
  StreamLimitTest() : ServiceRequestTest({"--max_streams=2", "--drain_timeout=10s"}) {}
};

TEST_F(StreamLimitTest, StreamsBeyondTheCapAreRefusedUntilOneIsCancelled) {
  v1::ServiceRequest sr = MustCreate();
  v1::Message out;
  ASSERT_TRUE(Post(sr.name(), "hi", &out).ok());
  v1::StreamMessagesRequest request;
  request.set_parent(sr.name());
  auto c1 = StreamContext(), c2 = StreamContext();
  auto r1 = world_.stubs().requests->StreamMessages(c1.get(), request);
  auto r2 = world_.stubs().requests->StreamMessages(c2.get(), request);
  ASSERT_EQ(Read(r1.get(), 1).size(), 1u);
  ASSERT_EQ(Read(r2.get(), 1).size(), 1u);
  {
    auto c3 = StreamContext();
    auto r3 = world_.stubs().requests->StreamMessages(c3.get(), request);
    EXPECT_EQ(Read(r3.get(), 1).size(), 0u);
    EXPECT_EQ(r3->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  c1->TryCancel();
  r1->Finish();
  // The cancelled stream's place frees up.
  EXPECT_TRUE(WaitFor([&] {
    auto c = StreamContext(absl::Seconds(2));
    auto r = world_.stubs().requests->StreamMessages(c.get(), request);
    const bool got = Read(r.get(), 1).size() == 1;
    c->TryCancel();
    r->Finish();
    return got;
  }));
  c2->TryCancel();
  r2->Finish();
}

TEST_F(StreamLimitTest, DrainEndsOpenStreamsAndTheServerExits) {
  v1::ServiceRequest sr = MustCreate();
  v1::StreamMessagesRequest request;
  request.set_parent(sr.name());
  auto context = StreamContext(absl::Seconds(30));
  auto reader = world_.stubs().requests->StreamMessages(context.get(), request);
  v1::Message out;
  ASSERT_TRUE(Post(sr.name(), "hello", &out).ok());
  ASSERT_EQ(Read(reader.get(), 1).size(), 1u);
  const absl::Time start = absl::Now();
  std::thread stopper([&] { EXPECT_EQ(world_.casesd().Stop(SIGTERM), 0); });
  v1::Message m;
  while (reader->Read(&m)) {
  }
  const grpc::Status status = reader->Finish();
  stopper.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(8));  // not held until the drain timeout
}

}  // namespace
}  // namespace cases::testing

namespace cases::testing {
namespace {

class ServiceRequestConversationTest : public ServiceRequestTest {
 protected:
  v1::ServiceRequest Fetch(const std::string& name) {
    v1::GetServiceRequestRequest request;
    request.set_name(name);
    v1::ServiceRequest out;
    EXPECT_TRUE(world_.stubs()
                    .requests->GetServiceRequest(World::Context(customer_).get(), request, &out)
                    .ok());
    return out;
  }
  void SetStatus(const std::string& name, v1::ServiceRequestStatus status) {
    v1::UpdateServiceRequestRequest request;
    request.mutable_service_request()->set_name(name);
    request.mutable_service_request()->set_status(status);
    request.mutable_update_mask()->add_paths("status");
    v1::ServiceRequest out;
    ASSERT_TRUE(world_.stubs()
                    .requests->UpdateServiceRequest(World::Context(mdr_).get(), request, &out)
                    .ok());
  }
};

TEST_F(ServiceRequestConversationTest, ACustomerMessageReopensAResolvedRequest) {
  const v1::ServiceRequest created = MustCreate();
  SetStatus(created.name(), v1::SERVICE_REQUEST_STATUS_RESOLVED);
  // The provider's closing words leave it resolved, but make it recently updated.
  const v1::ServiceRequest resolved = Fetch(created.name());
  v1::Message message;
  ASSERT_TRUE(Post(created.name(), "Closing this, thanks", &message, mdr_).ok());
  const v1::ServiceRequest after_provider = Fetch(created.name());
  EXPECT_EQ(after_provider.status(), v1::SERVICE_REQUEST_STATUS_RESOLVED);
  EXPECT_GT(absl::FromUnixMicros(after_provider.update_time().seconds() * 1000000 +
                                 after_provider.update_time().nanos() / 1000),
            absl::FromUnixMicros(resolved.update_time().seconds() * 1000000 +
                                 resolved.update_time().nanos() / 1000));
  ASSERT_TRUE(Post(created.name(), "It happened again this morning", &message).ok());
  const v1::ServiceRequest reopened = Fetch(created.name());
  EXPECT_EQ(reopened.status(), v1::SERVICE_REQUEST_STATUS_OPEN);
  EXPECT_GT(
      reopened.update_time().seconds() * 1000000000LL + reopened.update_time().nanos(),
      after_provider.update_time().seconds() * 1000000000LL + after_provider.update_time().nanos());
}

TEST_F(ServiceRequestConversationTest, StartAfterMustNameAnExistingMessage) {
  const v1::ServiceRequest created = MustCreate();
  v1::Message message;
  ASSERT_TRUE(Post(created.name(), "first", &message).ok());
  for (const std::string& start_after :
       {created.name() + "/messages/" + NewIdText(), std::string("garbage")}) {
    v1::StreamMessagesRequest request;
    request.set_parent(created.name());
    request.set_start_after(start_after);
    auto context = StreamContext(absl::Seconds(5));
    auto reader = world_.stubs().requests->StreamMessages(context.get(), request);
    v1::Message m;
    EXPECT_FALSE(reader->Read(&m));
    grpc::Status s = reader->Finish();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << start_after;
    EXPECT_THAT(GrpcViolationFields(s), ::testing::ElementsAre("start_after"));
  }
}

}  // namespace
}  // namespace cases::testing
