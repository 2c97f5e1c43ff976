// What the MDR team and the detection pipeline may do with detections, alerts and
// cases, on a real server and database: provider analysts read their product's
// detections and alerts and attach them to MDR-managed cases; detections of an
// unlicensed product are refused item by item; the ingester reads nothing.
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "tests/integration/case_service_fixture.h"

namespace cases::testing {
namespace {

class ProviderAccessTest : public CaseServiceTest {
 protected:
  void SetUp() override {
    CaseServiceTest::SetUp();
    mdr_ = world_.Token("MDR_ANALYST", world_.provider, "mdr-analyst");
    reader_ = world_.Token("TENANT_READ_ONLY", tenant_, "reader");
  }

  grpc::Status ListDetections(const std::string& token, v1::ListDetectionsResponse* out,
                              const std::string& filter = "") {
    v1::ListDetectionsRequest request;
    request.set_parent(tenant_);
    request.set_filter(filter);
    return world_.stubs().detections->ListDetections(World::Context(token).get(), request, out);
  }

  grpc::Status GetDetection(const std::string& token, const std::string& name, v1::Detection* out) {
    v1::GetDetectionRequest request;
    request.set_name(name);
    return world_.stubs().detections->GetDetection(World::Context(token).get(), request, out);
  }

  grpc::Status GetAlert(const std::string& token, const std::string& name, v1::Alert* out) {
    v1::GetAlertRequest request;
    request.set_name(name);
    return world_.stubs().detections->GetAlert(World::Context(token).get(), request, out);
  }

  v1::IngestDetectionsResponse IngestOne(const std::string& tenant, const std::string& external_id,
                                         const std::string& alert_key, v1::Product product) {
    v1::IngestDetectionsRequest request;
    request.set_parent(tenant);
    auto* d = request.add_detections();
    d->set_external_id(external_id);
    d->set_alert_key(alert_key);
    d->set_product(product);
    d->set_severity(v1::SEVERITY_HIGH);
    d->set_title("Beaconing");
    d->mutable_detect_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    v1::IngestDetectionsResponse response;
    grpc::Status s = world_.stubs().detections->IngestDetections(
        World::Context(world_.Token("DETECTION_INGESTER", tenant)).get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  std::string mdr_, reader_;
};

TEST_F(ProviderAccessTest, MdrAnalystReadsMdrDetectionsAndAlertsOnly) {
  const auto xdr = Ingest({{"x-1", v1::PRODUCT_XDR}}, "xdr-key");
  const auto mdr = Ingest({{"m-1", v1::PRODUCT_MDR}, {"m-2", v1::PRODUCT_MDR}}, "mdr-key");

  v1::ListDetectionsResponse listed;
  ASSERT_TRUE(ListDetections(mdr_, &listed).ok());
  ASSERT_EQ(listed.detections_size(), 2);
  for (const auto& d : listed.detections()) {
    EXPECT_EQ(d.product(), v1::PRODUCT_MDR);
  }
  // The customer sees both products.
  ASSERT_TRUE(ListDetections(reader_, &listed).ok());
  EXPECT_EQ(listed.detections_size(), 3);

  v1::Detection detection;
  ASSERT_TRUE(GetDetection(mdr_, mdr[0], &detection).ok());
  EXPECT_THAT(GetDetection(mdr_, xdr[0], &detection),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));

  ASSERT_TRUE(GetDetection(reader_, mdr[0], &detection).ok());
  v1::Alert alert;
  ASSERT_TRUE(GetAlert(mdr_, detection.alert(), &alert).ok());
  EXPECT_EQ(alert.product(), v1::PRODUCT_MDR);
  EXPECT_EQ(alert.detection_count(), 2);

  v1::ListAlertsRequest list_alerts;
  list_alerts.set_parent("tenants/-");
  v1::ListAlertsResponse alerts;
  ASSERT_TRUE(
      world_.stubs().detections->ListAlerts(World::Context(mdr_).get(), list_alerts, &alerts).ok());
  ASSERT_EQ(alerts.alerts_size(), 1);
  EXPECT_EQ(alerts.alerts(0).name(), alert.name());

  v1::ListAlertEventsRequest events;
  events.set_parent(alert.name());
  v1::ListAlertEventsResponse history;
  EXPECT_TRUE(world_.stubs()
                  .detections->ListAlertEvents(World::Context(mdr_).get(), events, &history)
                  .ok());
  v1::ListQueuesRequest queues;
  queues.set_parent(tenant_);
  v1::ListQueuesResponse queue_list;
  EXPECT_TRUE(
      world_.stubs().cases->ListQueues(World::Context(mdr_).get(), queues, &queue_list).ok());
}

TEST_F(ProviderAccessTest, MdrAnalystAddsMdrDetectionsToMdrManagedCases) {
  const auto mdr = Ingest({{"m-1", v1::PRODUCT_MDR}, {"m-2", v1::PRODUCT_MDR}}, "mdr-key");
  const auto xdr = Ingest({{"x-1", v1::PRODUCT_XDR}}, "xdr-key");
  v1::Case c = NewCase("Beaconing to a new domain");
  c.set_type(v1::CASE_TYPE_MDR_MANAGED);
  v1::Case created;
  ASSERT_TRUE(Create(c, &created, mdr_, {mdr[0]}).ok());

  v1::AddCaseDetectionsRequest add;
  add.set_case_(created.name());
  add.add_detections(mdr[1]);
  v1::Case updated;
  grpc::Status s =
      world_.stubs().cases->AddCaseDetections(World::Context(mdr_).get(), add, &updated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(updated.detection_count(), 2);

  // Not a detection the analyst may read.
  add.clear_detections();
  add.add_detections(xdr[0]);
  EXPECT_THAT(world_.stubs().cases->AddCaseDetections(World::Context(mdr_).get(), add, &updated),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
  ASSERT_TRUE(Get(created.name(), &updated).ok());
  EXPECT_EQ(updated.detection_count(), 2);
}

TEST_F(ProviderAccessTest, DetectionsOfAnUnlicensedProductAreRejectedPerItem) {
  const std::string xdr_only =
      world_.CreateTenant(world_.main_partner, v1::TENANT_KIND_TENANT, "XDR only");
  ASSERT_FALSE(xdr_only.empty());
  world_.InstallLicense(xdr_only, "PRODUCT_XDR");

  v1::IngestDetectionsRequest request;
  request.set_parent(xdr_only);
  for (auto [id, product] : {std::pair{"ok-1", v1::PRODUCT_XDR},
                             {"mdr-1", v1::PRODUCT_MDR},
                             {"mr-1", v1::PRODUCT_MANAGED_RISK}}) {
    auto* d = request.add_detections();
    d->set_external_id(id);
    d->set_alert_key(id);
    d->set_product(product);
    d->set_severity(v1::SEVERITY_LOW);
    d->set_title("Port scan");
    d->mutable_detect_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  }
  v1::IngestDetectionsResponse response;
  ASSERT_TRUE(
      world_.stubs()
          .detections
          ->IngestDetections(World::Context(world_.Token("DETECTION_INGESTER", xdr_only)).get(),
                             request, &response)
          .ok());
  ASSERT_EQ(response.results_size(), 3);
  EXPECT_EQ(response.results(0).state(), v1::INGEST_STATE_CREATED);
  for (int i : {1, 2}) {
    EXPECT_EQ(response.results(i).state(), v1::INGEST_STATE_REJECTED);
    EXPECT_TRUE(response.results(i).detection().empty());
    ASSERT_EQ(response.results(i).violations_size(), 1);
    EXPECT_EQ(response.results(i).violations(0).field(),
              absl::StrCat("detections[", i, "].product"));
  }
  v1::ListDetectionsRequest list;
  list.set_parent(xdr_only);
  v1::ListDetectionsResponse listed;
  ASSERT_TRUE(world_.stubs()
                  .detections
                  ->ListDetections(World::Context(world_.Token("TENANT_ADMIN", xdr_only)).get(),
                                   list, &listed)
                  .ok());
  EXPECT_EQ(listed.detections_size(), 1);
}

TEST_F(ProviderAccessTest, AnAlertKeyGroupsOneProductsDetections) {
  EXPECT_EQ(IngestOne(tenant_, "x-1", "shared", v1::PRODUCT_XDR).results(0).state(),
            v1::INGEST_STATE_CREATED);
  const auto second = IngestOne(tenant_, "m-1", "shared", v1::PRODUCT_MDR);
  EXPECT_EQ(second.results(0).state(), v1::INGEST_STATE_REJECTED);
  ASSERT_EQ(second.results(0).violations_size(), 1);
  EXPECT_EQ(second.results(0).violations(0).field(), "detections[0].product");
  v1::ListDetectionsResponse listed;
  ASSERT_TRUE(ListDetections(reader_, &listed, "alert_key = \"shared\"").ok());
  EXPECT_EQ(listed.detections_size(), 1);
}

TEST_F(ProviderAccessTest, DetectionsReturnTheirAlertKeyAndAlertHistoryCountsFromZero) {
  const auto first = IngestOne(tenant_, "k-1", "beacon-key", v1::PRODUCT_XDR);
  IngestOne(tenant_, "k-2", "beacon-key", v1::PRODUCT_XDR);
  v1::Detection detection;
  ASSERT_TRUE(GetDetection(reader_, first.results(0).detection(), &detection).ok());
  EXPECT_EQ(detection.alert_key(), "beacon-key");
  v1::ListDetectionsResponse listed;
  ASSERT_TRUE(ListDetections(reader_, &listed).ok());
  ASSERT_EQ(listed.detections_size(), 2);
  EXPECT_EQ(listed.detections(0).alert_key(), "beacon-key");

  v1::ListAlertEventsRequest request;
  request.set_parent(detection.alert());
  v1::ListAlertEventsResponse history;
  ASSERT_TRUE(world_.stubs()
                  .detections->ListAlertEvents(World::Context(reader_).get(), request, &history)
                  .ok());
  ASSERT_EQ(history.events_size(), 2);
  EXPECT_EQ(history.events(0).type(), v1::EVENT_TYPE_CREATED);
  ASSERT_EQ(history.events(0).changes_size(), 1);
  EXPECT_EQ(history.events(0).changes(0).old_value(), "0");
  EXPECT_EQ(history.events(0).changes(0).new_value(), "1");
  EXPECT_EQ(history.events(1).changes(0).old_value(), "1");
  EXPECT_EQ(history.events(1).changes(0).new_value(), "2");
}

TEST_F(ProviderAccessTest, TheIngesterReadsNothing) {
  const auto names = Ingest({{"x-1", v1::PRODUCT_XDR}});
  const std::string ingester = world_.Token("DETECTION_INGESTER", tenant_);
  v1::Detection detection;
  EXPECT_THAT(GetDetection(ingester, names[0], &detection),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
  v1::ListCasesRequest cases;
  cases.set_parent(tenant_);
  v1::ListCasesResponse listed;
  EXPECT_THAT(world_.stubs().cases->ListCases(World::Context(ingester).get(), cases, &listed),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
  v1::ListServiceRequestsRequest requests;
  requests.set_parent(tenant_);
  v1::ListServiceRequestsResponse request_list;
  EXPECT_THAT(world_.stubs().requests->ListServiceRequests(World::Context(ingester).get(), requests,
                                                           &request_list),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
}

TEST_F(ProviderAccessTest, NotFoundNamesTheResource) {
  const std::string missing = absl::StrCat(tenant_, "/cases/", NewIdText());
  v1::ListCaseEventsRequest request;
  request.set_parent(missing);
  v1::ListCaseEventsResponse response;
  grpc::Status s =
      world_.stubs().cases->ListCaseEvents(World::Context(admin_).get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "case not found: " + missing);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(s.error_details()));
  google::rpc::ResourceInfo info;
  bool has_info = false;
  for (const auto& any : details.details()) {
    has_info = has_info || any.UnpackTo(&info);
  }
  ASSERT_TRUE(has_info);
  EXPECT_EQ(GrpcReason(s), "NOT_FOUND");
  EXPECT_EQ(info.resource_type(), "case");
  EXPECT_EQ(info.resource_name(), missing);

  const std::string request_name = absl::StrCat(tenant_, "/serviceRequests/", NewIdText());
  v1::UpdateServiceRequestRequest update;
  update.mutable_service_request()->set_name(request_name);
  update.mutable_service_request()->set_status(v1::SERVICE_REQUEST_STATUS_RESOLVED);
  update.mutable_update_mask()->add_paths("status");
  v1::ServiceRequest out;
  s = world_.stubs().requests->UpdateServiceRequest(World::Context(mdr_).get(), update, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "service request not found: " + request_name);
}

}  // namespace
}  // namespace cases::testing
