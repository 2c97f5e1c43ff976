// DetectionService's mapping at the edge: an ingest batch validated item by item
// (a bad item is REJECTED with its violations, the rest go on), rows to protos.
#ifndef CASES_SERVER_DETECTION_MAPPING_H_
#define CASES_SERVER_DETECTION_MAPPING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "soc/cases/v1/detection_service.pb.h"
#include "sql/detection_store.h"

namespace cases::server {

namespace v1 = ::soc::cases::v1;

// The valid items of a batch and their indexes in the request.
struct IngestBatch {
  std::vector<sql::DetectionRow> accepted;
  std::vector<int> index;
};

// Validates every item; adds one result per item to `response`, REJECTED ones
// complete. INVALID_ARGUMENT only for a batch of the wrong size.
absl::StatusOr<IngestBatch> IngestBatchOf(const v1::IngestDetectionsRequest& request,
                                          v1::IngestDetectionsResponse* response);
// Completes the accepted items' results from the store's outcomes.
void FillIngestResults(const std::string& tenant_id, const IngestBatch& batch,
                       const std::vector<sql::IngestOutcome>& outcomes,
                       v1::IngestDetectionsResponse* response);

void DetectionToProto(const sql::DetectionRow& row, v1::Detection* out);
void AlertToProto(const sql::AlertRow& row, v1::Alert* out);

}  // namespace cases::server

#endif  // CASES_SERVER_DETECTION_MAPPING_H_
