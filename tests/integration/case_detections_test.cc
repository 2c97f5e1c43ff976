// CaseService on a real server and database: detections and alert conversion,
// retries, removal, MDR-managed cases, lists, queues, error details, retention.
#include <atomic>
#include <set>
#include <thread>

#include "tests/integration/case_service_fixture.h"

namespace cases::testing {
namespace {

TEST_F(CaseServiceTest, SelfManagedCasesTakeXdrDetectionsOnly) {
  // One alert key groups one product's detections: an alert of each.
  auto names = Ingest({{"x-1", v1::PRODUCT_XDR}}, "xdr-key");
  names.push_back(Ingest({{"m-1", v1::PRODUCT_MDR}}, "mdr-key")[0]);
  v1::Case out;
  ASSERT_TRUE(Create(NewCase(), &out, "", {names[0]}).ok());
  EXPECT_EQ(out.detection_count(), 1);
  grpc::Status s = Create(NewCase(), &out, "", {names[0], names[1]});
  EXPECT_THAT(s, StatusIs(grpc::StatusCode::FAILED_PRECONDITION, "DETECTION_NOT_ELIGIBLE"));
  // Nothing was created by the refused call.
  v1::ListCasesRequest list;
  list.set_parent(tenant_);
  v1::ListCasesResponse cases;
  ASSERT_TRUE(world_.stubs().cases->ListCases(World::Context(admin_).get(), list, &cases).ok());
  EXPECT_EQ(cases.cases_size(), 1);
}

TEST_F(CaseServiceTest, ConvertAlertToCaseCopiesLinksAndRecords) {
  const auto names =
      Ingest({{"a-1", v1::PRODUCT_XDR}, {"a-2", v1::PRODUCT_XDR}}, "lateral-movement");
  v1::GetDetectionRequest get_detection;
  get_detection.set_name(names[0]);
  v1::Detection detection;
  ASSERT_TRUE(world_.stubs()
                  .detections->GetDetection(World::Context(admin_).get(), get_detection, &detection)
                  .ok());
  v1::ConvertAlertToCaseRequest convert;
  convert.set_alert(detection.alert());
  v1::Case out;
  grpc::Status s =
      world_.stubs().cases->ConvertAlertToCase(World::Context(admin_).get(), convert, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);  // priority is required
  EXPECT_THAT(GrpcViolationFields(s), ::testing::ElementsAre("case.priority"));
  convert.mutable_case_()->set_priority(v1::PRIORITY_HIGH);
  ASSERT_TRUE(
      world_.stubs().cases->ConvertAlertToCase(World::Context(admin_).get(), convert, &out).ok());
  EXPECT_EQ(out.source_alert(), detection.alert());
  EXPECT_EQ(out.display_name(), "Ransomware behaviour");
  EXPECT_EQ(out.severity(), v1::SEVERITY_CRITICAL);
  EXPECT_EQ(out.detection_count(), 2);
  EXPECT_EQ(out.attributes().at("host"), "srv-a-1");

  // The console redirects: the alert and its detections name the case.
  v1::GetAlertRequest get_alert;
  get_alert.set_name(detection.alert());
  v1::Alert alert;
  ASSERT_TRUE(
      world_.stubs().detections->GetAlert(World::Context(admin_).get(), get_alert, &alert).ok());
  EXPECT_EQ(alert.case_(), out.name());
  ASSERT_TRUE(world_.stubs()
                  .detections->GetDetection(World::Context(admin_).get(), get_detection, &detection)
                  .ok());
  EXPECT_EQ(detection.case_(), out.name());

  // Both histories record it.
  const auto events = History(out.name());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type(), v1::EVENT_TYPE_CONVERTED);
  v1::ListAlertEventsRequest alert_history;
  alert_history.set_parent(detection.alert());
  v1::ListAlertEventsResponse alert_events;
  ASSERT_TRUE(
      world_.stubs()
          .detections->ListAlertEvents(World::Context(admin_).get(), alert_history, &alert_events)
          .ok());
  EXPECT_EQ(alert_events.events(alert_events.events_size() - 1).type(), v1::EVENT_TYPE_CONVERTED);

  // A second conversion is refused and names the case.
  v1::Case again;
  s = world_.stubs().cases->ConvertAlertToCase(World::Context(admin_).get(), convert, &again);
  EXPECT_THAT(s, StatusIs(grpc::StatusCode::FAILED_PRECONDITION, "ALERT_ALREADY_CONVERTED"));
  EXPECT_NE(s.error_details().find(out.name()), std::string::npos);
}

TEST_F(CaseServiceTest, ADetectionMayBelongToSeveralCases) {
  const auto names = Ingest({{"s-1", v1::PRODUCT_XDR}, {"s-2", v1::PRODUCT_XDR}});
  v1::Case first, second;
  ASSERT_TRUE(Create(NewCase("First"), &first, "", {names[0]}).ok());
  ASSERT_TRUE(Create(NewCase("Second"), &second).ok());
  v1::AddCaseDetectionsRequest add;
  add.set_case_(second.name());
  add.add_detections(names[0]);
  add.add_detections(names[1]);
  v1::Case out;
  ASSERT_TRUE(
      world_.stubs().cases->AddCaseDetections(World::Context(admin_).get(), add, &out).ok());
  EXPECT_EQ(out.detection_count(), 2);
  // Adding them again changes nothing.
  ASSERT_TRUE(
      world_.stubs().cases->AddCaseDetections(World::Context(admin_).get(), add, &out).ok());
  EXPECT_EQ(out.detection_count(), 2);
  const auto events = History(second.name());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].type(), v1::EVENT_TYPE_DETECTIONS_ADDED);
  ASSERT_TRUE(Get(first.name(), &out).ok());
  EXPECT_EQ(out.detection_count(), 1);

  // Each case's detections are listed with cases:"<case>".
  const auto detections_of = [&](const std::string& filter) {
    v1::ListDetectionsRequest list;
    list.set_parent(tenant_);
    list.set_filter(filter);
    v1::ListDetectionsResponse response;
    const grpc::Status s =
        world_.stubs().detections->ListDetections(World::Context(admin_).get(), list, &response);
    std::vector<std::string> found;
    for (const auto& d : response.detections()) {
      found.push_back(d.name());
    }
    return std::make_pair(s, found);
  };
  auto [first_status, of_first] = detections_of("cases:\"" + first.name() + "\"");
  ASSERT_TRUE(first_status.ok()) << first_status.error_message();
  EXPECT_THAT(of_first, ::testing::ElementsAre(names[0]));
  auto [second_status, of_second] = detections_of("cases:\"" + second.name() + "\"");
  ASSERT_TRUE(second_status.ok());
  EXPECT_THAT(of_second, ::testing::UnorderedElementsAre(names[0], names[1]));
  auto [not_first_status, not_of_first] = detections_of("NOT cases:\"" + first.name() + "\"");
  ASSERT_TRUE(not_first_status.ok());
  EXPECT_THAT(not_of_first, ::testing::ElementsAre(names[1]));
  auto [equals_status, unused] = detections_of("cases = \"" + first.name() + "\"");
  EXPECT_EQ(equals_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(equals_status), ::testing::ElementsAre("filter"));
}

TEST_F(CaseServiceTest, RequestIdMakesCreateSafeToRetry) {
  v1::Case first, second, third;
  ASSERT_TRUE(Create(NewCase(), &first, "", {}, "create-1").ok());
  ASSERT_TRUE(Create(NewCase(), &second, "", {}, "create-1").ok());
  EXPECT_EQ(first.name(), second.name());
  EXPECT_EQ(first.number(), second.number());
  EXPECT_THAT(Create(NewCase("Different"), &third, "", {}, "create-1"),
              StatusIs(grpc::StatusCode::ALREADY_EXISTS, "REQUEST_ID_REUSED"));
  ASSERT_TRUE(Create(NewCase(), &third, "", {}, "create-2").ok());
  EXPECT_EQ(third.number(), first.number() + 1);  // the replay used no number
}

TEST_F(CaseServiceTest, RemoveCasesIsAllOrNothing) {
  v1::Case a = MustCreate(NewCase("A")), b = MustCreate(NewCase("B"));
  v1::BatchDeleteCasesRequest batch;
  batch.set_parent(tenant_);
  batch.add_names(a.name());
  batch.add_names(tenant_ + "/cases/" + NewIdText());
  google::protobuf::Empty empty;
  EXPECT_EQ(world_.stubs()
                .cases->BatchDeleteCases(World::Context(admin_).get(), batch, &empty)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::Case out;
  EXPECT_TRUE(Get(a.name(), &out).ok());
  batch.set_names(1, b.name());
  ASSERT_TRUE(
      world_.stubs().cases->BatchDeleteCases(World::Context(admin_).get(), batch, &empty).ok());
  EXPECT_EQ(Get(a.name(), &out).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Get(b.name(), &out).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(CaseServiceTest, MdrManagedCasesAreWorkedByTheMdrTeamAndReadByCustomers) {
  const std::string mdr = world_.Token("MDR_ANALYST", world_.provider, "mdr-analyst");
  v1::Case c = NewCase("MDR investigation");
  c.set_type(v1::CASE_TYPE_MDR_MANAGED);
  v1::Case created;
  ASSERT_TRUE(Create(c, &created, mdr).ok());
  EXPECT_EQ(created.type(), v1::CASE_TYPE_MDR_MANAGED);
  // Customers read it but may not change it.
  v1::Case read;
  ASSERT_TRUE(Get(created.name(), &read).ok());
  read.set_assignee("me");
  v1::Case out;
  EXPECT_THAT(Update(read, {"assignee"}, &out),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
  // The MDR analyst works and closes it.
  read.set_status(v1::CASE_STATUS_RESOLVED);
  read.set_close_reason(v1::CLOSE_REASON_ALREADY_MITIGATED);
  ASSERT_TRUE(Update(read, {"assignee", "status", "close_reason"}, &out, mdr).ok());
  // It cannot be removed: only self-managed cases can.
  v1::DeleteCaseRequest remove;
  remove.set_name(created.name());
  google::protobuf::Empty empty;
  EXPECT_THAT(world_.stubs().cases->DeleteCase(World::Context(admin_).get(), remove, &empty),
              StatusIs(grpc::StatusCode::FAILED_PRECONDITION, "CASE_NOT_SELF_MANAGED"));
  // The MDR analyst sees MDR-managed cases only.
  MustCreate(NewCase("Self managed"));
  v1::ListCasesRequest list;
  list.set_parent("tenants/-");
  v1::ListCasesResponse cases;
  ASSERT_TRUE(world_.stubs().cases->ListCases(World::Context(mdr).get(), list, &cases).ok());
  ASSERT_EQ(cases.cases_size(), 1);
  EXPECT_EQ(cases.cases(0).name(), created.name());
  // Nor may the MDR analyst read a self-managed case directly.
  list.set_parent(tenant_);
  ASSERT_TRUE(world_.stubs().cases->ListCases(World::Context(admin_).get(), list, &cases).ok());
  for (const auto& listed : cases.cases()) {
    if (listed.type() == v1::CASE_TYPE_SELF_MANAGED) {
      EXPECT_THAT(Get(listed.name(), &out, mdr),
                  StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
    }
  }
}

TEST_F(CaseServiceTest, ListCasesFiltersOrdersAndPages) {
  for (int i = 0; i < 12; ++i) {
    MustCreate(
        NewCase(absl::StrCat("Case ", i), i % 2 == 0 ? v1::SEVERITY_LOW : v1::SEVERITY_CRITICAL));
  }
  v1::ListCasesRequest request;
  request.set_parent(tenant_);
  request.set_filter("severity = CRITICAL AND number > 2");
  request.set_order_by("number");
  request.set_page_size(2);
  std::vector<int64_t> numbers;
  do {
    v1::ListCasesResponse page;
    ASSERT_TRUE(world_.stubs().cases->ListCases(World::Context(admin_).get(), request, &page).ok());
    for (const auto& c : page.cases()) {
      EXPECT_EQ(c.severity(), v1::SEVERITY_CRITICAL);
      numbers.push_back(c.number());
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(numbers, std::vector<int64_t>({4, 6, 8, 10, 12}));

  request.set_filter("status = CASE_STATUS_NEW");
  request.set_order_by("create_time desc");
  request.set_page_size(100);
  v1::ListCasesResponse page;
  ASSERT_TRUE(world_.stubs().cases->ListCases(World::Context(admin_).get(), request, &page).ok());
  ASSERT_EQ(page.cases_size(), 12);
  EXPECT_EQ(page.cases(0).number(), 12);

  request.set_filter("stage = NEW");
  grpc::Status s = world_.stubs().cases->ListCases(World::Context(admin_).get(), request, &page);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("stage"), std::string::npos);
}

TEST_F(CaseServiceTest, QueuesAreCreatedListedAndAssigned) {
  v1::CreateQueueRequest create;
  create.set_parent(tenant_);
  create.mutable_queue()->set_display_name("Tier 2");
  v1::Queue queue;
  ASSERT_TRUE(world_.stubs().cases->CreateQueue(World::Context(admin_).get(), create, &queue).ok());
  v1::ListQueuesRequest list;
  list.set_parent(tenant_);
  v1::ListQueuesResponse queues;
  ASSERT_TRUE(world_.stubs().cases->ListQueues(World::Context(admin_).get(), list, &queues).ok());
  ASSERT_EQ(queues.queues_size(), 1);
  EXPECT_EQ(queues.queues(0).name(), queue.name());

  v1::Case c = NewCase();
  c.set_queue(queue.name());
  v1::Case out;
  ASSERT_TRUE(Create(c, &out).ok());
  EXPECT_EQ(out.queue(), queue.name());
  v1::ListCasesRequest by_queue;
  by_queue.set_parent(tenant_);
  by_queue.set_filter("queue = \"" + queue.name() + "\"");
  v1::ListCasesResponse cases;
  ASSERT_TRUE(world_.stubs().cases->ListCases(World::Context(admin_).get(), by_queue, &cases).ok());
  EXPECT_EQ(cases.cases_size(), 1);
  c.set_queue(tenant_ + "/queues/" + NewIdText());
  grpc::Status s = Create(c, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(s), ::testing::ElementsAre("case.queue"));
}

TEST_F(CaseServiceTest, EveryErrorCarriesAnErrorInfo) {
  v1::Case out;
  EXPECT_THAT(Get(tenant_ + "/cases/" + NewIdText(), &out),
              StatusIs(grpc::StatusCode::NOT_FOUND, "NOT_FOUND"));
  v1::Case c = MustCreate(NewCase());
  c.set_assignee("x");
  c.set_etag("999");
  EXPECT_THAT(Update(c, {"assignee"}, &out), StatusIs(grpc::StatusCode::ABORTED, "ETAG_MISMATCH"));
}

class RetentionTest : public CaseServiceTest {
 protected:
  RetentionTest() : CaseServiceTest({"--retention_interval=100ms"}) {}
};

TEST_F(RetentionTest, ResolvedCasesAreDeletedAfterTheirPurgeTime) {
  v1::Case keep = MustCreate(NewCase("Keep"));
  v1::Case c = NewCase("Old");
  c.set_status(v1::CASE_STATUS_RESOLVED);
  c.set_close_reason(v1::CLOSE_REASON_LOW_RISK);
  v1::Case resolved;
  ASSERT_TRUE(Create(c, &resolved).ok());
  v1::Case recent;
  ASSERT_TRUE(Create(c, &recent).ok());
  // Pretend it was resolved 31 days ago.
  world_.db().Execute(
      "UPDATE cases SET purge_time = UTC_TIMESTAMP(6) - INTERVAL 1 DAY WHERE case_id = " +
      SqlIdOf(resolved.name()));
  v1::Case out;
  EXPECT_TRUE(WaitFor(
      [&] { return Get(resolved.name(), &out).error_code() == grpc::StatusCode::NOT_FOUND; }));
  EXPECT_TRUE(Get(keep.name(), &out).ok());
  EXPECT_TRUE(Get(recent.name(), &out).ok());
}

}  // namespace
}  // namespace cases::testing
