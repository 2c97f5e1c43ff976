// The CaseService test fixture: a world of tenants, licences and tokens on a real
// casesd and database, and helpers to create, update and read cases.
#ifndef CASES_TESTS_INTEGRATION_CASE_SERVICE_FIXTURE_H_
#define CASES_TESTS_INTEGRATION_CASE_SERVICE_FIXTURE_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "google/protobuf/util/field_mask_util.h"
#include "tests/integration/world.h"

namespace cases::testing {

class CaseServiceTest : public ::testing::Test {
 protected:
  explicit CaseServiceTest(std::vector<std::string> flags = {}) : world_(std::move(flags)) {}

  void SetUp() override {
    ASSERT_TRUE(world_.ok());
    tenant_ = world_.customer[Licence::kPresent];
    admin_ = world_.Token("TENANT_ADMIN", tenant_, "alice");
  }

  v1::Case NewCase(const std::string& name = "Suspicious login",
                   v1::Severity severity = v1::SEVERITY_HIGH) {
    v1::Case c;
    c.set_display_name(name);
    c.set_description("Seen from **two** countries");
    c.set_severity(severity);
    return c;
  }

  grpc::Status Create(const v1::Case& c, v1::Case* out, const std::string& token = "",
                      const std::vector<std::string>& detections = {},
                      const std::string& request_id = "") {
    v1::CreateCaseRequest request;
    request.set_parent(tenant_);
    *request.mutable_case_() = c;
    for (const auto& d : detections) {
      request.add_detections(d);
    }
    request.set_request_id(request_id);
    return world_.stubs().cases->CreateCase(World::Context(token.empty() ? admin_ : token).get(),
                                            request, out);
  }

  // A case created in another `tenant` by that tenant's TENANT_ADMIN.
  grpc::Status CreateIn(const std::string& tenant, const v1::Case& c, v1::Case* out) {
    v1::CreateCaseRequest request;
    request.set_parent(tenant);
    *request.mutable_case_() = c;
    return world_.stubs().cases->CreateCase(
        World::Context(world_.Token("TENANT_ADMIN", tenant)).get(), request, out);
  }

  v1::Case MustCreate(const v1::Case& c) {
    v1::Case out;
    grpc::Status s = Create(c, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  grpc::Status Update(const v1::Case& c, const std::vector<std::string>& paths, v1::Case* out,
                      const std::string& token = "") {
    v1::UpdateCaseRequest request;
    *request.mutable_case_() = c;
    for (const auto& p : paths) {
      request.mutable_update_mask()->add_paths(p);
    }
    return world_.stubs().cases->UpdateCase(World::Context(token.empty() ? admin_ : token).get(),
                                            request, out);
  }

  grpc::Status Get(const std::string& name, v1::Case* out, const std::string& token = "") {
    v1::GetCaseRequest request;
    request.set_name(name);
    return world_.stubs().cases->GetCase(World::Context(token.empty() ? admin_ : token).get(),
                                         request, out);
  }

  // An MDR service request in the tenant, opened by its admin.
  v1::ServiceRequest MustOpenMdrRequest(const std::string& display_name) {
    v1::CreateServiceRequestRequest request;
    request.set_parent(tenant_);
    request.mutable_service_request()->set_type(v1::SERVICE_REQUEST_TYPE_MDR);
    request.mutable_service_request()->set_display_name(display_name);
    v1::ServiceRequest out;
    grpc::Status s =
        world_.stubs().requests->CreateServiceRequest(World::Context(admin_).get(), request, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  std::vector<std::string> Ingest(const std::vector<std::pair<std::string, v1::Product>>& items,
                                  const std::string& alert_key = "ak",
                                  const std::string& tenant = "") {
    v1::IngestDetectionsRequest request;
    request.set_parent(tenant.empty() ? tenant_ : tenant);
    for (const auto& [external_id, product] : items) {
      auto* d = request.add_detections();
      d->set_external_id(external_id);
      d->set_alert_key(alert_key);
      d->set_product(product);
      d->set_severity(v1::SEVERITY_CRITICAL);
      d->set_title("Ransomware behaviour");
      (*d->mutable_attributes())["host"] = "srv-" + external_id;
      d->mutable_detect_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    }
    v1::IngestDetectionsResponse response;
    EXPECT_TRUE(
        world_.stubs()
            .detections
            ->IngestDetections(World::Context(world_.Token("DETECTION_INGESTER",
                                                           tenant.empty() ? tenant_ : tenant))
                                   .get(),
                               request, &response)
            .ok());
    std::vector<std::string> names;
    for (const auto& r : response.results()) {
      names.push_back(r.detection());
    }
    return names;
  }

  // Converts the alert of `detection` (a detection name) into a case of priority HIGH.
  v1::Case ConvertAlertOf(const std::string& detection) {
    v1::GetDetectionRequest get;
    get.set_name(detection);
    v1::Detection d;
    EXPECT_TRUE(
        world_.stubs().detections->GetDetection(World::Context(admin_).get(), get, &d).ok());
    v1::ConvertAlertToCaseRequest convert;
    convert.set_alert(d.alert());
    convert.mutable_case_()->set_priority(v1::PRIORITY_HIGH);
    v1::Case converted;
    grpc::Status s =
        world_.stubs().cases->ConvertAlertToCase(World::Context(admin_).get(), convert, &converted);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return converted;
  }

  std::vector<v1::CaseEvent> History(const std::string& name) {
    v1::ListCaseEventsRequest request;
    request.set_parent(name);
    v1::ListCaseEventsResponse response;
    EXPECT_TRUE(world_.stubs()
                    .cases->ListCaseEvents(World::Context(admin_).get(), request, &response)
                    .ok());
    return {response.events().begin(), response.events().end()};
  }

  World world_;
  std::string tenant_, admin_;
};

}  // namespace cases::testing

#endif  // CASES_TESTS_INTEGRATION_CASE_SERVICE_FIXTURE_H_
