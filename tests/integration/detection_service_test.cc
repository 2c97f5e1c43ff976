// DetectionService on a real server and database: ingest, grouping, paging,
// filters and tenant isolation.
#include <cppconn/statement.h>

#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/ids.h"
#include "tests/integration/world.h"

namespace cases::testing {
namespace {

class DetectionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(world_.ok());
    tenant_ = world_.customer[Licence::kPresent];
    ingester_ = world_.Token("DETECTION_INGESTER", tenant_, "sensor-1");
    reader_ = world_.Token("TENANT_READ_ONLY", tenant_);
  }

  static v1::Detection Make(const std::string& external_id, const std::string& alert_key,
                            v1::Severity severity = v1::SEVERITY_MEDIUM,
                            v1::Product product = v1::PRODUCT_XDR) {
    v1::Detection d;
    d.set_external_id(external_id);
    d.set_alert_key(alert_key);
    d.set_product(product);
    d.set_severity(severity);
    d.set_title("Suspicious PowerShell " + external_id);
    d.set_device("host-17");
    d.add_mitre_techniques("T1059.001");
    (*d.mutable_attributes())["process"] = "powershell.exe";
    (*d.mutable_attributes())["ext." + external_id] = "1";
    d.mutable_detect_time()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 60);
    return d;
  }

  v1::IngestDetectionsResponse Ingest(const std::vector<v1::Detection>& detections,
                                      const std::string& tenant = "") {
    v1::IngestDetectionsRequest request;
    request.set_parent(tenant.empty() ? tenant_ : tenant);
    for (const auto& d : detections) {
      *request.add_detections() = d;
    }
    v1::IngestDetectionsResponse response;
    grpc::Status status = world_.stubs().detections->IngestDetections(
        World::Context(tenant.empty() ? ingester_ : world_.Token("DETECTION_INGESTER", tenant))
            .get(),
        request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  v1::Alert GetAlert(const std::string& name) {
    v1::GetAlertRequest request;
    request.set_name(name);
    v1::Alert alert;
    EXPECT_TRUE(
        world_.stubs().detections->GetAlert(World::Context(reader_).get(), request, &alert).ok());
    return alert;
  }

  v1::Detection GetDetection(const std::string& name) {
    v1::GetDetectionRequest request;
    request.set_name(name);
    v1::Detection detection;
    grpc::Status status =
        world_.stubs().detections->GetDetection(World::Context(reader_).get(), request, &detection);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return detection;
  }

  std::vector<v1::AlertEvent> AlertEvents(const std::string& alert) {
    v1::ListAlertEventsRequest request;
    request.set_parent(alert);
    v1::ListAlertEventsResponse response;
    grpc::Status status = world_.stubs().detections->ListAlertEvents(World::Context(reader_).get(),
                                                                     request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.events().begin(), response.events().end()};
  }

  grpc::Status List(const std::string& filter, const std::string& order_by, int page_size,
                    const std::string& token, v1::ListDetectionsResponse* response,
                    const std::string& parent = "") {
    v1::ListDetectionsRequest request;
    request.set_parent(parent.empty() ? tenant_ : parent);
    request.set_filter(filter);
    request.set_order_by(order_by);
    request.set_page_size(page_size);
    request.set_page_token(token);
    return world_.stubs().detections->ListDetections(World::Context(reader_).get(), request,
                                                     response);
  }

  World world_;
  std::string tenant_, ingester_, reader_;
};

TEST_F(DetectionServiceTest, IngestCreatesDetectionsAndGroupsThemIntoAlerts) {
  auto response = Ingest(
      {Make("e1", "k1", v1::SEVERITY_LOW), Make("e2", "k1", v1::SEVERITY_HIGH), Make("e3", "k2")});
  ASSERT_EQ(response.results_size(), 3);
  for (const auto& r : response.results()) {
    EXPECT_EQ(r.state(), v1::INGEST_STATE_CREATED);
  }
  const v1::Detection first = GetDetection(response.results(0).detection());
  const v1::Detection second = GetDetection(response.results(1).detection());
  const v1::Detection third = GetDetection(response.results(2).detection());
  EXPECT_EQ(first.external_id(), "e1");
  EXPECT_EQ(first.mitre_techniques(0), "T1059.001");
  EXPECT_EQ(first.attributes().at("process"), "powershell.exe");
  EXPECT_EQ(first.alert(), second.alert());
  EXPECT_NE(first.alert(), third.alert());
  const v1::Alert alert = GetAlert(first.alert());
  EXPECT_EQ(alert.detection_count(), 2);
  EXPECT_EQ(alert.severity(), v1::SEVERITY_HIGH);  // the highest of its detections
  EXPECT_EQ(alert.title(), first.title());         // the first detection's title
  EXPECT_EQ(alert.attributes().at("ext.e1"), "1");
  EXPECT_EQ(alert.attributes().at("ext.e2"), "1");
  EXPECT_TRUE(alert.case_().empty());
}

TEST_F(DetectionServiceTest, ReIngestChangesNothingAndReturnsTheSameNames) {
  const std::vector<v1::Detection> batch = {Make("r1", "rk"), Make("r2", "rk")};
  auto first = Ingest(batch);
  auto second = Ingest(batch);
  ASSERT_EQ(second.results_size(), 2);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(second.results(i).state(), v1::INGEST_STATE_ALREADY_EXISTS);
    EXPECT_EQ(second.results(i).detection(), first.results(i).detection());
  }
  EXPECT_EQ(GetAlert(GetDetection(first.results(0).detection()).alert()).detection_count(), 2);
}

TEST_F(DetectionServiceTest, OneBadItemDoesNotSinkTheBatch) {
  v1::Detection bad = Make("b2", "bk");
  bad.set_severity(v1::SEVERITY_UNSPECIFIED);
  bad.clear_detect_time();
  bad.add_mitre_techniques("not-a-technique");
  auto response = Ingest({Make("b1", "bk"), bad, Make("b3", "bk")});
  ASSERT_EQ(response.results_size(), 3);
  EXPECT_EQ(response.results(0).state(), v1::INGEST_STATE_CREATED);
  EXPECT_EQ(response.results(2).state(), v1::INGEST_STATE_CREATED);
  const auto& rejected = response.results(1);
  EXPECT_EQ(rejected.state(), v1::INGEST_STATE_REJECTED);
  EXPECT_TRUE(rejected.detection().empty());
  std::set<std::string> fields;
  for (const auto& v : rejected.violations()) {
    fields.insert(v.field());
  }
  EXPECT_EQ(fields, std::set<std::string>({"detections[1].severity", "detections[1].detect_time",
                                           "detections[1].mitre_techniques[1]"}));
  EXPECT_EQ(GetAlert(GetDetection(response.results(0).detection()).alert()).detection_count(), 2);
}

// A full batch is written 64 rows per statement (detections, new alerts, their
// counts and history): every row of every chunk lands once, in the right alert,
// and what already existed is reported as such wherever it falls in the batch.
TEST_F(DetectionServiceTest, AFullBatchIsWrittenWholeAcrossStatementChunks) {
  std::vector<v1::Detection> earlier;
  for (int i = 0; i < 70; ++i) {
    earlier.push_back(Make(absl::StrCat("full-", i * 7), "full-earlier"));
  }
  const auto first = Ingest(earlier);
  constexpr int kBatch = 1000;  // the largest batch
  constexpr int kKeys = 150;    // 150 new alerts: two full chunks and one of 22
  std::vector<v1::Detection> batch;
  for (int i = 0; i < kBatch; ++i) {
    batch.push_back(Make(absl::StrCat("full-", i), absl::StrCat("full-key-", i % kKeys)));
  }
  const auto response = Ingest(batch);
  ASSERT_EQ(response.results_size(), kBatch);
  std::map<std::string, int> created_per_alert;
  int created = 0;
  for (int i = 0; i < kBatch; ++i) {
    const auto& r = response.results(i);
    if (i % 7 == 0 && i / 7 < 70) {
      EXPECT_EQ(r.state(), v1::INGEST_STATE_ALREADY_EXISTS) << i;
      EXPECT_EQ(r.detection(), first.results(i / 7).detection()) << i;
      continue;
    }
    ASSERT_EQ(r.state(), v1::INGEST_STATE_CREATED) << i;
    ++created;
    const v1::Detection d = GetDetection(r.detection());
    EXPECT_EQ(d.external_id(), absl::StrCat("full-", i));
    ++created_per_alert[d.alert()];
  }
  EXPECT_EQ(created, kBatch - 70);
  ASSERT_EQ(created_per_alert.size(), static_cast<size_t>(kKeys));
  for (const auto& [alert, n] : created_per_alert) {
    EXPECT_EQ(GetAlert(alert).detection_count(), n) << alert;
  }
  const std::vector<v1::AlertEvent> history = AlertEvents(created_per_alert.rbegin()->first);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].type(), v1::EVENT_TYPE_CREATED);
}

TEST_F(DetectionServiceTest, BatchOfMoreThan1000IsInvalidArgument) {
  v1::IngestDetectionsRequest request;
  request.set_parent(tenant_);
  for (int i = 0; i < 1001; ++i) {
    *request.add_detections() = Make(absl::StrCat("big-", i), "big");
  }
  v1::IngestDetectionsResponse response;
  grpc::Status status = world_.stubs().detections->IngestDetections(World::Context(ingester_).get(),
                                                                    request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(status), ::testing::ElementsAre("detections"));
}

TEST_F(DetectionServiceTest, ConcurrentIngestersKeepAlertCountsExact) {
  // Two sensors send overlapping batches: the same external ids, the same alert keys.
  constexpr int kBatches = 10;
  constexpr int kPerBatch = 40;
  constexpr int kKeys = 3;
  auto sensor = [&](int seed) {
    for (int b = 0; b < kBatches; ++b) {
      std::vector<v1::Detection> batch;
      for (int i = 0; i < kPerBatch; ++i) {
        const int n = (b * kPerBatch + i + seed * 7) % (kBatches * kPerBatch);
        batch.push_back(Make(absl::StrCat("c-", n), absl::StrCat("ck-", n % kKeys)));
      }
      Ingest(batch);
    }
  };
  std::thread a(sensor, 0), b(sensor, 1);
  a.join();
  b.join();
  std::set<std::string> alerts;
  int total = 0;
  std::string token;
  do {
    v1::ListDetectionsResponse page;
    ASSERT_TRUE(List("", "", 1000, token, &page).ok());
    for (const auto& d : page.detections()) {
      if (d.external_id().rfind("c-", 0) == 0) {
        ++total;
        alerts.insert(d.alert());
      }
    }
    token = page.next_page_token();
  } while (!token.empty());
  EXPECT_EQ(total, kBatches * kPerBatch);
  ASSERT_EQ(alerts.size(), static_cast<size_t>(kKeys));
  int counted = 0;
  for (const std::string& alert : alerts) {
    counted += GetAlert(alert).detection_count();
  }
  EXPECT_EQ(counted, kBatches * kPerBatch);
}

TEST_F(DetectionServiceTest, ConcurrentBatchesCreatingOverlappingAlertsNeitherDeadlockNorMiscount) {
  // Sensors whose batches each create some alerts and grow others that another batch
  // has just created: wave b's keys are the second half of wave b - 1's and as many new.
  constexpr int kSensors = 8;
  constexpr int kWaves = 6;
  constexpr int kPerBatch = 120;
  constexpr int kKeys = 60;
  auto deadlocks = [&] {
    return world_.db().QueryInt(
        "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
        "WHERE VARIABLE_NAME = 'INNODB_DEADLOCKS'");
  };
  const long long before = deadlocks();
  auto sensor = [&](int s) {
    std::mt19937 random(s);
    for (int b = 0; b < kWaves; ++b) {
      std::vector<v1::Detection> batch;
      for (int i = 0; i < kPerBatch; ++i) {
        const int key = b * kKeys / 2 + static_cast<int>(random() % kKeys);
        batch.push_back(
            Make(absl::StrCat("w-", s, "-", b, "-", i), absl::StrCat("wave-key-", key)));
      }
      Ingest(batch);
    }
  };
  std::vector<std::thread> sensors;
  for (int s = 0; s < kSensors; ++s) {
    sensors.emplace_back(sensor, s);
  }
  for (std::thread& t : sensors) {
    t.join();
  }
  // Lock waits, yes; a deadlock would be retried, but it means two batches took the
  // alerts' rows in different orders.
  EXPECT_EQ(deadlocks() - before, 0);
  int counted = 0;
  std::string token;
  std::set<std::string> alerts;
  do {
    v1::ListDetectionsResponse page;
    ASSERT_TRUE(List("", "", 1000, token, &page).ok());
    for (const auto& d : page.detections()) {
      if (d.external_id().rfind("w-", 0) == 0) {
        alerts.insert(d.alert());
      }
    }
    token = page.next_page_token();
  } while (!token.empty());
  for (const std::string& alert : alerts) {
    counted += GetAlert(alert).detection_count();
  }
  EXPECT_EQ(counted, kSensors * kWaves * kPerBatch);
}

TEST_F(DetectionServiceTest, ABatchWhoseNewAlertAnotherProductCreatedFirstRefusesThoseItems) {
  // Another writer creates the key's alert, for MDR, and commits only once the batch
  // (XDR) has read no alert for it and is creating its own: the other's stands, so
  // the batch's detections of that key are refused and the others land.
  const std::string tenant_id = SqlIdOf(tenant_);
  auto other = sql::ConnectionPool::Connect(world_.db().config(), sql::PoolOptions{});
  ASSERT_TRUE(other.ok()) << other.status();
  std::unique_ptr<::sql::Statement> sql((*other)->createStatement());
  sql->execute("START TRANSACTION");
  sql->execute(absl::StrCat(
      "INSERT INTO alerts (tenant_id, alert_id, alert_key, product, title, severity, "
      "detection_count, attributes, create_time, update_time) VALUES (",
      tenant_id, ", UNHEX(REPLACE(UUID(), '-', '')), 'race-key', ", int{v1::PRODUCT_MDR},
      ", 'MDR alert', 2, 0, '{}', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))"));
  v1::IngestDetectionsResponse response;
  std::thread batch([&] {
    response = Ingest(
        {Make("race-1", "race-key"), Make("calm-1", "calm-key"), Make("race-2", "race-key")});
  });
  // Until the batch waits to create its alert.
  for (int i = 0; i < 200 && world_.db().QueryInt(
                                 "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE db = "
                                 "DATABASE() AND command = 'Execute' AND info LIKE "
                                 "'INSERT IGNORE INTO alerts%'") == 0;
       ++i) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  sql->execute("COMMIT");
  batch.join();
  ASSERT_EQ(response.results_size(), 3);
  EXPECT_EQ(response.results(0).state(), v1::INGEST_STATE_REJECTED);
  EXPECT_EQ(response.results(1).state(), v1::INGEST_STATE_CREATED);
  EXPECT_EQ(response.results(2).state(), v1::INGEST_STATE_REJECTED);
  ASSERT_EQ(response.results(2).violations_size(), 1);
  EXPECT_EQ(response.results(2).violations(0).field(), "detections[2].product");
  EXPECT_EQ(world_.db().QueryInt(absl::StrCat("SELECT COUNT(*) FROM detections WHERE tenant_id = ",
                                              tenant_id, " AND external_id LIKE 'race-%'")),
            0);
  EXPECT_EQ(world_.db().QueryInt(
                absl::StrCat("SELECT detection_count FROM alerts WHERE tenant_id = ", tenant_id,
                             " AND alert_key = 'race-key'")),
            0);
  EXPECT_EQ(GetAlert(GetDetection(response.results(1).detection()).alert()).detection_count(), 1);
}

TEST_F(DetectionServiceTest, PagesNeitherSkipNorRepeatWhileNewRowsArrive) {
  std::vector<v1::Detection> batch;
  for (int i = 0; i < 120; ++i) {
    batch.push_back(Make(absl::StrCat("p-", i), absl::StrCat("pk-", i % 5)));
  }
  auto ingested = Ingest(batch);
  std::set<std::string> expected;
  for (const auto& r : ingested.results()) {
    expected.insert(r.detection());
  }
  for (const std::string order : {"", "create_time", "severity desc", "detect_time desc"}) {
    std::set<std::string> seen;
    std::string token;
    int page_number = 0;
    do {
      v1::ListDetectionsResponse page;
      ASSERT_TRUE(List("", order, 25, token, &page).ok());
      for (const auto& d : page.detections()) {
        EXPECT_TRUE(seen.insert(d.name()).second) << "repeated " << d.name() << " order " << order;
      }
      token = page.next_page_token();
      // New detections arrive between pages.
      Ingest({Make(absl::StrCat("late-", order, "-", page_number++), "late")});
    } while (!token.empty());
    for (const std::string& name : expected) {
      EXPECT_EQ(seen.count(name), 1u) << "skipped " << name << " order " << order;
    }
  }
}

TEST_F(DetectionServiceTest, FiltersSelectByFieldAndNameBadTokens) {
  auto response =
      Ingest({Make("f1", "fk", v1::SEVERITY_LOW), Make("f2", "fk", v1::SEVERITY_CRITICAL),
              Make("f3", "fk2", v1::SEVERITY_HIGH, v1::PRODUCT_MDR)});
  v1::ListDetectionsResponse page;
  ASSERT_TRUE(List("severity >= SEVERITY_HIGH", "", 100, "", &page).ok());
  ASSERT_EQ(page.detections_size(), 2);
  for (const auto& d : page.detections()) {
    EXPECT_GE(d.severity(), v1::SEVERITY_HIGH);
  }
  page.Clear();
  ASSERT_TRUE(List("product = PRODUCT_MDR", "", 100, "", &page).ok());
  ASSERT_EQ(page.detections_size(), 1);
  EXPECT_EQ(page.detections(0).external_id(), "f3");
  const std::string alert = GetDetection(response.results(0).detection()).alert();
  page.Clear();
  ASSERT_TRUE(List("alert = \"" + alert + "\" AND case = \"\"", "", 100, "", &page).ok());
  EXPECT_EQ(page.detections_size(), 2);

  grpc::Status status = List("severity = PURPLE", "", 10, "", &page);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("PURPLE"), std::string::npos);
  status = List("colour = red", "", 10, "", &page);
  EXPECT_NE(status.error_message().find("colour"), std::string::npos);
  EXPECT_EQ(List("", "title", 10, "", &page).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(DetectionServiceTest, PageTokenIsBoundToTheFilter) {
  std::vector<v1::Detection> batch;
  for (int i = 0; i < 5; ++i) {
    batch.push_back(Make(absl::StrCat("t-", i), "tk"));
  }
  Ingest(batch);
  v1::ListDetectionsResponse page;
  ASSERT_TRUE(List("", "", 2, "", &page).ok());
  ASSERT_FALSE(page.next_page_token().empty());
  v1::ListDetectionsResponse other;
  grpc::Status status = List("severity = SEVERITY_LOW", "", 2, page.next_page_token(), &other);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(status), ::testing::ElementsAre("page_token"));
}

TEST_F(DetectionServiceTest, OtherTenantsDetectionsAreInvisible) {
  auto mine = Ingest({Make("x1", "xk")});
  const std::string other_tenant = world_.org_customer[Licence::kPresent];
  auto theirs = Ingest({Make("x1", "xk")}, other_tenant);  // same external id, other tenant
  EXPECT_EQ(theirs.results(0).state(), v1::INGEST_STATE_CREATED);
  EXPECT_NE(theirs.results(0).detection(), mine.results(0).detection());
  // Their detection's id under my tenant's name is simply not found.
  const std::string their_id =
      theirs.results(0).detection().substr(theirs.results(0).detection().rfind('/') + 1);
  v1::GetDetectionRequest request;
  request.set_name(tenant_ + "/detections/" + their_id);
  v1::Detection detection;
  EXPECT_EQ(world_.stubs()
                .detections->GetDetection(World::Context(reader_).get(), request, &detection)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  // And their tenant is out of my reach.
  request.set_name(theirs.results(0).detection());
  EXPECT_THAT(
      world_.stubs().detections->GetDetection(World::Context(reader_).get(), request, &detection),
      StatusIs(grpc::StatusCode::PERMISSION_DENIED, "TENANT_NOT_REACHABLE"));
  v1::ListDetectionsResponse page;
  ASSERT_TRUE(List("", "", 1000, "", &page).ok());
  for (const auto& d : page.detections()) {
    EXPECT_EQ(d.name().rfind(tenant_, 0), 0u) << d.name();
  }
}

TEST_F(DetectionServiceTest, PartnerListsAcrossItsLicensedTenants) {
  Ingest({Make("w1", "wk")});
  Ingest({Make("w2", "wk")}, world_.foreign_customer[Licence::kPresent]);
  v1::ListDetectionsRequest request;
  request.set_parent("tenants/-");
  v1::ListDetectionsResponse page;
  ASSERT_TRUE(
      world_.stubs()
          .detections
          ->ListDetections(World::Context(world_.Token("PARTNER_ADMIN", world_.main_partner)).get(),
                           request, &page)
          .ok());
  ASSERT_EQ(page.detections_size(), 1);
  EXPECT_EQ(page.detections(0).external_id(), "w1");
}

TEST_F(DetectionServiceTest, AlertHistoryRecordsCreationAndGrouping) {
  auto first = Ingest({Make("h1", "hk")});
  Ingest({Make("h2", "hk"), Make("h3", "hk")});
  const std::string alert = GetDetection(first.results(0).detection()).alert();
  const std::vector<v1::AlertEvent> events = AlertEvents(alert);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type(), v1::EVENT_TYPE_CREATED);
  EXPECT_EQ(events[0].actor(), "sensor-1");
  EXPECT_EQ(events[1].type(), v1::EVENT_TYPE_DETECTION_GROUPED);
  // FieldChange carries old and new values: the count before and after.
  EXPECT_EQ(events[1].changes(0).old_value(), "1");
  EXPECT_EQ(events[1].changes(0).new_value(), "3");
  EXPECT_EQ(events[0].name().rfind(alert + "/events/", 0), 0u);
}

}  // namespace
}  // namespace cases::testing
