#include "client/casectl/output.h"

#include <algorithm>
#include <cstdio>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "cases/client.h"
#include "client/casectl/width.h"
#include "google/protobuf/util/json_util.h"

namespace cases::client::cli {

std::string Short(const google::protobuf::EnumDescriptor* d, int value) {
  const auto* v = d->FindValueByNumber(value);
  if (v == nullptr || value == 0) {
    return "-";
  }
  // The prefix every value of the enum shares, up to its last '_':
  // CASE_RULE_GROUP_BY_DEVICE and CASE_RULE_GROUP_BY_ALERT → DEVICE, ALERT.
  std::string prefix = d->value(0)->name();
  for (int i = 1; i < d->value_count(); ++i) {
    const std::string& other = d->value(i)->name();
    size_t n = 0;
    while (n < prefix.size() && n < other.size() && prefix[n] == other[n]) {
      ++n;
    }
    prefix.resize(n);
  }
  const size_t cut = prefix.rfind('_');
  const std::string& name = v->name();
  return cut == std::string::npos || d->value_count() < 2 ? name : name.substr(cut + 1);
}

std::string Time(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) {
    return "-";
  }
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixSeconds(t.seconds()),
                          absl::UTCTimeZone());
}

void PrintTable(const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(headers.size());
  for (size_t i = 0; i < headers.size(); ++i) {
    width[i] = DisplayWidth(headers[i]);
    for (const auto& r : rows) {
      width[i] = std::max(width[i], DisplayWidth(r[i]));
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      out += cells[i];
      if (i + 1 < cells.size()) {
        out += std::string(width[i] - DisplayWidth(cells[i]) + 2, ' ');
      }
    }
    std::printf("%s\n", out.c_str());
  };
  line(headers);
  for (const auto& r : rows) {
    line(r);
  }
}

void PrintJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  std::printf("%s\n", out.c_str());
}

int PrintError(const grpc::Status& status) {
  const ErrorDetails d = DetailsOf(status);
  std::fprintf(stderr, "error: %s: %s\n",
               absl::StatusCodeToString(static_cast<absl::StatusCode>(d.code)).c_str(),
               d.message.c_str());
  if (!d.reason.empty()) {
    std::fprintf(stderr, "  reason: %s (%s)\n", d.reason.c_str(), d.domain.c_str());
  }
  for (const auto& [k, v] : d.metadata) {
    std::fprintf(stderr, "  %s: %s\n", k.c_str(), v.c_str());
  }
  for (const auto& [field, description] : d.field_violations) {
    std::fprintf(stderr, "  field %s: %s\n", field.c_str(), description.c_str());
  }
  if (d.retry_delay) {
    std::fprintf(stderr, "  retry after: %lldms\n", static_cast<long long>(d.retry_delay->count()));
  }
  switch (d.code) {
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return kExitAuth;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return kExitUnreachable;
    default:
      return kExitServer;
  }
}

}  // namespace cases::client::cli
