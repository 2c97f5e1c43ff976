// What casectl prints: aligned tables, JSON lines, short enum names, times, and
// errors with their google.rpc details; the exit code each error maps to.
#ifndef CASES_CLIENT_CASECTL_OUTPUT_H_
#define CASES_CLIENT_CASECTL_OUTPUT_H_

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace cases::client::cli {

// Exit codes: 0 ok, 1 server error, 2 usage, 3 authentication or permission,
// 4 server unreachable.
inline constexpr int kExitOk = 0;
inline constexpr int kExitServer = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitAuth = 3;
inline constexpr int kExitUnreachable = 4;

// SEVERITY_HIGH → HIGH, CASE_STATUS_NEW → NEW; "-" for the zero value.
std::string Short(const google::protobuf::EnumDescriptor* d, int value);
// "2026-01-31 12:00:00" (UTC); "-" when unset.
std::string Time(const google::protobuf::Timestamp& t);

// Aligned columns, headers first.
// Columns aligned by display width, so wide (CJK) characters keep them straight.
void PrintTable(const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows);
// One message as a line of proto JSON.
void PrintJson(const google::protobuf::Message& m);
// The error with its details on stderr; returns the exit code for it.
int PrintError(const grpc::Status& status);

}  // namespace cases::client::cli

#endif  // CASES_CLIENT_CASECTL_OUTPUT_H_
