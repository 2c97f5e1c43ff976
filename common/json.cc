#include "common/json.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/log.h"

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

namespace {

// The document, or a discarded value when `json` is not JSON (no exception).
nlohmann::json Parse(absl::string_view json) {
  return nlohmann::json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
}

}  // namespace

std::map<std::string, std::string> MapFromJson(absl::string_view json) {
  std::map<std::string, std::string> out;
  if (json == "{}") {
    return out;  // most rows: no parser, no document
  }
  const nlohmann::json doc = Parse(json);
  if (!doc.is_object()) {
    return out;
  }
  for (const auto& [key, value] : doc.items()) {
    if (value.is_string()) {
      out[key] = value.get<std::string>();
    }
  }
  return out;
}

std::vector<std::string> ListFromJson(absl::string_view json) {
  std::vector<std::string> out;
  if (json == "[]") {
    return out;
  }
  const nlohmann::json doc = Parse(json);
  if (!doc.is_array()) {
    return out;
  }
  for (const auto& value : doc) {
    if (value.is_string()) {
      out.push_back(value.get<std::string>());
    }
  }
  return out;
}

}  // namespace cases
