// The JSON shapes the stores keep in MySQL JSON columns: string maps
// (attributes) and string lists (tags, MITRE technique ids). Written by hand with
// sorted keys so equal values give equal text; read with nlohmann::json, which a
// page of 50 cases (five such columns each) reads in a fraction of what protobuf's
// JSON mapping took (its Struct/ListValue parse was half of ListCases' CPU).
#ifndef CASES_COMMON_JSON_H_
#define CASES_COMMON_JSON_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace cases {

std::string JsonFromMap(const std::map<std::string, std::string>& map);
std::string JsonFromList(const std::vector<std::string>& list);
// Lenient readers: anything that is not the expected shape reads as empty.
std::map<std::string, std::string> MapFromJson(absl::string_view json);
std::vector<std::string> ListFromJson(absl::string_view json);

}  // namespace cases

#endif  // CASES_COMMON_JSON_H_
