// casesd as a real process: reflection lists the API like grpcurl does, health
// answers, unimplemented methods say so, SIGTERM drains and exits cleanly.
#include <signal.h>

#include <set>

#include "google/protobuf/descriptor.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "soc/cases/v1/tenancy_service.grpc.pb.h"
#include "tests/integration/testing.h"

namespace cases {
namespace {

using ::cases::testing::CasesdProcess;
using ::cases::testing::TestDatabase;

class ServerE2eTest : public ::testing::Test {
 protected:
  TestDatabase db_;
  CasesdProcess casesd_{{"--db=" + db_.Dsn()}};
};

std::set<std::string> ListServices(const std::shared_ptr<grpc::Channel>& channel) {
  namespace reflection = grpc::reflection::v1alpha;
  auto stub = reflection::ServerReflection::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub->ServerReflectionInfo(&context);
  reflection::ServerReflectionRequest request;
  request.set_list_services("");
  stream->Write(request);
  stream->WritesDone();
  std::set<std::string> names;
  reflection::ServerReflectionResponse response;
  while (stream->Read(&response)) {
    for (const auto& service : response.list_services_response().service()) {
      names.insert(service.name());
    }
  }
  EXPECT_TRUE(stream->Finish().ok());
  return names;
}

TEST_F(ServerE2eTest, ReflectionListsTheFourServicesHealthAndReflection) {
  ASSERT_TRUE(casesd_.started());
  const std::set<std::string> services = ListServices(casesd_.Channel());
  for (const char* expected :
       {"soc.cases.v1.CaseService", "soc.cases.v1.DetectionService",
        "soc.cases.v1.ServiceRequestService", "soc.cases.v1.TenancyService",
        "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"}) {
    EXPECT_EQ(services.count(expected), 1u) << expected;
  }
}

// One v1 reflection request, as grpcurl and buf curl send it.
grpc::reflection::v1::ServerReflectionResponse ReflectV1(
    const std::shared_ptr<grpc::Channel>& channel,
    const grpc::reflection::v1::ServerReflectionRequest& request) {
  auto stub = grpc::reflection::v1::ServerReflection::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub->ServerReflectionInfo(&context);
  stream->Write(request);
  stream->WritesDone();
  grpc::reflection::v1::ServerReflectionResponse response;
  EXPECT_TRUE(stream->Read(&response));
  EXPECT_TRUE(stream->Finish().ok());
  return response;
}

TEST_F(ServerE2eTest, ReflectionV1DescribesTheApiWithItsComments) {
  ASSERT_TRUE(casesd_.started());
  grpc::reflection::v1::ServerReflectionRequest list;
  list.set_list_services("");
  std::set<std::string> services;
  const auto listed = ReflectV1(casesd_.Channel(), list);
  for (const auto& s : listed.list_services_response().service()) {
    services.insert(s.name());
  }
  EXPECT_EQ(services.count("grpc.reflection.v1.ServerReflection"), 1u);
  EXPECT_EQ(services.count("soc.cases.v1.CaseService"), 1u);

  grpc::reflection::v1::ServerReflectionRequest symbol;
  symbol.set_file_containing_symbol("soc.cases.v1.ListDetectionsRequest");
  const auto response = ReflectV1(casesd_.Channel(), symbol);
  ASSERT_GT(response.file_descriptor_response().file_descriptor_proto_size(), 0);
  google::protobuf::FileDescriptorProto file;
  ASSERT_TRUE(file.ParseFromString(response.file_descriptor_response().file_descriptor_proto(0)));
  EXPECT_EQ(file.name(), "soc/cases/v1/detection_service.proto");
  // The comments reach the client: which filter fields exist, which fields are required.
  std::string comments;
  for (const auto& location : file.source_code_info().location()) {
    comments += location.leading_comments();
  }
  EXPECT_NE(comments.find("AIP-160 filter on product, severity"), std::string::npos);
  EXPECT_NE(comments.find("Required"), std::string::npos);

  grpc::reflection::v1::ServerReflectionRequest unknown;
  unknown.set_file_containing_symbol("soc.cases.v1.NoSuchThing");
  EXPECT_EQ(ReflectV1(casesd_.Channel(), unknown).error_response().error_code(),
            static_cast<int>(grpc::StatusCode::NOT_FOUND));
}

TEST_F(ServerE2eTest, HealthIsServing) {
  ASSERT_TRUE(casesd_.started());
  auto stub = grpc::health::v1::Health::NewStub(casesd_.Channel());
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(stub->Check(&context, request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(ServerE2eTest, SigtermDrainsAndExitsZero) {
  ASSERT_TRUE(casesd_.started());
  EXPECT_EQ(casesd_.Stop(SIGTERM), 0);
  EXPECT_NE(casesd_.Log().find("\"msg\":\"drained\""), std::string::npos) << casesd_.Log();
}

TEST(CasesdCommandTest, MigrateTwiceSucceeds) {
  TestDatabase db;
  EXPECT_EQ(testing::RunCommand({CASESD_PATH, "migrate", "--db=" + db.Dsn()}), 0);
  EXPECT_EQ(testing::RunCommand({CASESD_PATH, "migrate", "--db=" + db.Dsn()}), 0);
}

TEST(CasesdCommandTest, BadDsnExitsNonZero) {
  EXPECT_NE(testing::RunCommand({CASESD_PATH, "migrate", "--db=postgres://x@y/z"}), 0);
}

TEST(CasesdCommandTest, EnvironmentVariableConfiguresFlag) {
  TestDatabase db;
  setenv("CASES_DB", db.Dsn().c_str(), 1);
  const int rc = testing::RunCommand({CASESD_PATH, "migrate"});
  unsetenv("CASES_DB");
  EXPECT_EQ(rc, 0);
}

}  // namespace
}  // namespace cases
