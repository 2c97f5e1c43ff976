#include "common/json.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace cases {

std::string JsonFromMap(const std::map<std::string, std::string>& map) {
  std::string out = "{";
  for (const auto& [key, value] : map) {
    absl::StrAppend(&out, out.size() > 1 ? "," : "", "\"", JsonEscape(key), "\":\"",
                    JsonEscape(value), "\"");
  }
  return out + "}";
}

std::string JsonFromList(const std::vector<std::string>& list) {
  std::string out = "[";
  for (const std::string& item : list) {
    absl::StrAppend(&out, out.size() > 1 ? "," : "", "\"", JsonEscape(item), "\"");
  }
  return out + "]";
}

std::map<std::string, std::string> MapFromJson(absl::string_view json) {
  std::map<std::string, std::string> out;
  google::protobuf::Struct s;
  if (!google::protobuf::util::JsonStringToMessage(std::string(json), &s).ok()) {
    return out;
  }
  for (const auto& [key, value] : s.fields()) {
    if (value.kind_case() == google::protobuf::Value::kStringValue) {
      out[key] = value.string_value();
    }
  }
  return out;
}

std::vector<std::string> ListFromJson(absl::string_view json) {
  std::vector<std::string> out;
  google::protobuf::ListValue list;
  if (!google::protobuf::util::JsonStringToMessage(std::string(json), &list).ok()) {
    return out;
  }
  for (const auto& value : list.values()) {
    if (value.kind_case() == google::protobuf::Value::kStringValue) {
      out.push_back(value.string_value());
    }
  }
  return out;
}

}  // namespace cases
