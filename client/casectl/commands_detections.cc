// alerts and detections (alert conversion is with the case commands).
#include <cstdio>
#include <fstream>
#include <map>

#include "absl/strings/strip.h"
#include "client/casectl/command.h"
#include "google/protobuf/util/json_util.h"

namespace cases::client::cli {
namespace {

constexpr int kIngestBatch = 500;

std::vector<std::string> AlertRow(const v1::Alert& a) {
  return {Short(v1::Severity_descriptor(), a.severity()), std::to_string(a.detection_count()),
          a.title(), a.case_().empty() ? "-" : a.case_(), a.name()};
}

std::vector<std::string> DetectionRow(const v1::Detection& d) {
  return {Time(d.detect_time()), Short(v1::Product_descriptor(), d.product()),
          Short(v1::Severity_descriptor(), d.severity()), d.title(), d.name()};
}

int ListAlerts(Context& c) {
  v1::ListAlertsRequest request;
  request.set_parent(c.Parent());
  request.set_filter(c.args.Get("filter"));
  request.set_order_by(c.args.Get("order-by"));
  return c.List(c.client->detections(), &v1::DetectionService::Stub::ListAlerts, request,
                &v1::ListAlertsResponse::alerts,
                {"SEVERITY", "DETECTIONS", "TITLE", "CASE", "NAME"}, &AlertRow);
}

int ListDetections(Context& c) {
  v1::ListDetectionsRequest request;
  request.set_parent(c.Parent());
  request.set_filter(c.args.Get("filter"));
  request.set_order_by(c.args.Get("order-by"));
  return c.List(c.client->detections(), &v1::DetectionService::Stub::ListDetections, request,
                &v1::ListDetectionsResponse::detections,
                {"DETECTED", "PRODUCT", "SEVERITY", "TITLE", "NAME"}, &DetectionRow);
}

// Sends one batch; tallies the results by state (rejected items on stderr).
int SendBatch(Context& c, v1::IngestDetectionsRequest* request, std::map<int, int>* counts) {
  if (request->detections_size() == 0) {
    return kExitOk;
  }
  v1::IngestDetectionsResponse response;
  grpc::Status status = c.client->Call(
      c.client->detections(), &v1::DetectionService::Stub::IngestDetections, *request, &response);
  if (!status.ok()) {
    return PrintError(status);
  }
  for (const auto& r : response.results()) {
    ++(*counts)[r.state()];
    if (c.Json()) {
      PrintJson(r);
    } else if (r.state() == v1::INGEST_STATE_REJECTED) {
      for (const auto& v : r.violations()) {
        std::fprintf(stderr, "rejected: %s: %s\n", v.field().c_str(), v.description().c_str());
      }
    }
  }
  request->clear_detections();
  return kExitOk;
}

int IngestDetections(Context& c) {
  v1::IngestDetectionsRequest request;
  request.set_parent(c.args.Required("parent"));
  const std::string path = c.args.Word(2, "file of detections (JSON lines)");
  std::ifstream in(path);
  if (!in) {
    throw UsageError("cannot read " + path);
  }
  std::map<int, int> counts;
  int line_number = 0, rejected_lines = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) {
      continue;
    }
    v1::Detection d;
    if (!google::protobuf::util::JsonStringToMessage(line, &d).ok()) {
      std::fprintf(stderr, "line %d: not a Detection JSON object\n", line_number);
      ++rejected_lines;
      continue;
    }
    *request.add_detections() = d;
    if (request.detections_size() == kIngestBatch) {
      if (int rc = SendBatch(c, &request, &counts); rc != kExitOk) {
        return rc;
      }
    }
  }
  if (int rc = SendBatch(c, &request, &counts); rc != kExitOk) {
    return rc;
  }
  const int rejected = counts[v1::INGEST_STATE_REJECTED] + rejected_lines;
  if (!c.Json()) {
    std::printf("created %d, already existed %d, rejected %d\n", counts[v1::INGEST_STATE_CREATED],
                counts[v1::INGEST_STATE_ALREADY_EXISTS], rejected);
  }
  return rejected > 0 ? kExitServer : kExitOk;
}

}  // namespace

std::vector<Command> DetectionCommands() {
  return {
      {"alerts", "list", "alerts list [--parent P] [--filter F] [--order-by O]", &ListAlerts},
      {"detections", "list", "detections list [--parent P] [--filter F] [--order-by O]",
       &ListDetections},
      {"detections", "ingest",
       "detections ingest --parent P FILE.jsonl       (one Detection JSON object a line)",
       &IngestDetections},
  };
}

}  // namespace cases::client::cli
