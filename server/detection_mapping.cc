#include "server/detection_mapping.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/proto_time.h"
#include "common/validation.h"
#include "sql/resource_protos.h"

namespace cases::server {
namespace {

constexpr int kMaxIngestBatch = 1000;
constexpr size_t kMaxKeyBytes = 255;
constexpr size_t kMaxAttributes = 100;
constexpr size_t kMaxAttributeKeyBytes = 128;
constexpr size_t kMaxAttributeValueBytes = 4096;
constexpr int kMaxTechniques = 50;
constexpr int64_t kEarliestDetectTime = 946684800;  // 2000-01-01
constexpr absl::Duration kMaxClockAhead = absl::Hours(24);

// T1059 or T1059.001.
bool IsMitreTechnique(absl::string_view id) {
  if (id.size() != 5 && id.size() != 9) {
    return false;
  }
  for (size_t i = 0; i < id.size(); ++i) {
    const bool ok = i == 0   ? id[i] == 'T'
                    : i == 5 ? id[i] == '.'
                             : absl::ascii_isdigit(static_cast<unsigned char>(id[i]));
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool HasControlCharacters(absl::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return true;
    }
  }
  return false;
}

void CheckKey(Violations& v, const std::string& field, absl::string_view value) {
  CheckText(v, field, value, kMaxKeyBytes, /*required=*/true);
  if (HasControlCharacters(value)) {
    v.Add(field, "must not contain control characters");
  }
}

// One ingest item → a row; problems go to `v` with paths under `prefix`.
void ValidateDetection(const v1::Detection& d, const std::string& prefix, absl::Time now,
                       Violations& v, sql::DetectionRow* row) {
  CheckKey(v, prefix + ".external_id", d.external_id());
  CheckKey(v, prefix + ".alert_key", d.alert_key());
  if (d.product() == v1::PRODUCT_UNSPECIFIED || !v1::Product_IsValid(d.product())) {
    v.Add(prefix + ".product", "required: PRODUCT_XDR, PRODUCT_MDR or PRODUCT_MANAGED_RISK");
  }
  if (d.severity() == v1::SEVERITY_UNSPECIFIED || !v1::Severity_IsValid(d.severity())) {
    v.Add(prefix + ".severity", "required: SEVERITY_LOW, _MEDIUM, _HIGH or _CRITICAL");
  }
  CheckText(v, prefix + ".title", d.title(), kMaxKeyBytes, /*required=*/true);
  CheckText(v, prefix + ".description", d.description(), kMaxDescriptionBytes);
  CheckText(v, prefix + ".device", d.device(), kMaxKeyBytes);
  CheckText(v, prefix + ".entity", d.entity(), kMaxKeyBytes);
  if (d.attributes_size() > static_cast<int>(kMaxAttributes)) {
    v.Add(prefix + ".attributes", absl::StrCat("at most ", kMaxAttributes, " entries"));
  }
  for (const auto& [key, value] : d.attributes()) {
    const std::string field = absl::StrCat(prefix, ".attributes[", key.substr(0, 40), "]");
    CheckText(v, field, key, kMaxAttributeKeyBytes, /*required=*/true);
    CheckText(v, field, value, kMaxAttributeValueBytes);
  }
  if (d.mitre_techniques_size() > kMaxTechniques) {
    v.Add(prefix + ".mitre_techniques", absl::StrCat("at most ", kMaxTechniques));
  }
  for (int i = 0; i < d.mitre_techniques_size(); ++i) {
    if (!IsMitreTechnique(d.mitre_techniques(i))) {
      v.Add(absl::StrCat(prefix, ".mitre_techniques[", i, "]"),
            "must be a technique id like T1059 or T1059.001");
    }
  }
  if (!d.has_detect_time()) {
    v.Add(prefix + ".detect_time", "required");
  } else if (d.detect_time().seconds() < kEarliestDetectTime || d.detect_time().nanos() < 0 ||
             d.detect_time().nanos() > 999999999 ||
             FromTimestamp(d.detect_time()) > now + kMaxClockAhead) {
    v.Add(prefix + ".detect_time", "must be a time between 2000 and tomorrow");
  }
  row->external_id = d.external_id();
  row->alert_key = d.alert_key();
  row->product = d.product();
  row->severity = d.severity();
  row->title = d.title();
  row->description = d.description();
  row->attributes.insert(d.attributes().begin(), d.attributes().end());
  row->device = d.device();
  row->entity = d.entity();
  row->mitre_techniques.assign(d.mitre_techniques().begin(), d.mitre_techniques().end());
  if (d.has_detect_time()) {
    row->detect_time = absl::FromUnixMicros(absl::ToUnixMicros(FromTimestamp(d.detect_time())));
  }
}

}  // namespace

void DetectionToProto(const sql::DetectionRow& row, v1::Detection* out) {
  out->set_name(ChildName(row.tenant_id, "detections", row.detection_id));
  out->set_external_id(row.external_id);
  out->set_alert_key(row.alert_key);
  out->set_product(static_cast<v1::Product>(row.product));
  out->set_severity(static_cast<v1::Severity>(row.severity));
  out->set_title(row.title);
  out->set_description(row.description);
  out->mutable_attributes()->insert(row.attributes.begin(), row.attributes.end());
  out->set_device(row.device);
  out->set_entity(row.entity);
  for (const std::string& t : row.mitre_techniques) {
    out->add_mitre_techniques(t);
  }
  SetTimestamp(row.detect_time, out->mutable_detect_time());
  out->set_alert(ChildName(row.tenant_id, "alerts", row.alert_id));
  if (!row.case_id.empty()) {
    out->set_case_(ChildName(row.tenant_id, "cases", row.case_id));
  }
  SetTimestamp(row.create_time, out->mutable_create_time());
}

void AlertToProto(const sql::AlertRow& row, v1::Alert* out) { sql::AlertRowToProto(row, out); }

absl::StatusOr<IngestBatch> IngestBatchOf(const v1::IngestDetectionsRequest& request,
                                          v1::IngestDetectionsResponse* response) {
  if (request.detections_size() == 0 || request.detections_size() > kMaxIngestBatch) {
    return InvalidField("detections",
                        absl::StrCat("between 1 and ", kMaxIngestBatch, " detections"));
  }
  const absl::Time now = absl::Now();
  IngestBatch batch;
  batch.accepted.reserve(request.detections_size());
  batch.index.reserve(request.detections_size());
  for (int i = 0; i < request.detections_size(); ++i) {
    auto* result = response->add_results();
    Violations v;
    sql::DetectionRow row;
    ValidateDetection(request.detections(i), absl::StrCat("detections[", i, "]"), now, v, &row);
    if (!v.empty()) {
      result->set_state(v1::INGEST_STATE_REJECTED);
      for (const FieldViolation& fv : v.list()) {
        auto* out = result->add_violations();
        out->set_field(fv.field);
        out->set_description(fv.description);
      }
      continue;
    }
    batch.accepted.push_back(std::move(row));
    batch.index.push_back(i);
  }
  return batch;
}

void FillIngestResults(const std::string& tenant_id, const IngestBatch& batch,
                       const std::vector<sql::IngestOutcome>& outcomes,
                       v1::IngestDetectionsResponse* response) {
  for (size_t k = 0; k < outcomes.size(); ++k) {
    auto* result = response->mutable_results(batch.index[k]);
    if (!outcomes[k].rejected_field.empty()) {
      result->set_state(v1::INGEST_STATE_REJECTED);
      auto* violation = result->add_violations();
      violation->set_field(
          absl::StrCat("detections[", batch.index[k], "].", outcomes[k].rejected_field));
      violation->set_description(outcomes[k].rejected_reason);
      continue;
    }
    result->set_detection(ChildName(tenant_id, "detections", outcomes[k].detection_id));
    result->set_state(outcomes[k].created ? v1::INGEST_STATE_CREATED
                                          : v1::INGEST_STATE_ALREADY_EXISTS);
  }
}

}  // namespace cases::server
