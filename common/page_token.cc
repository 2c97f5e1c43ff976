#include "common/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/digest.h"
#include "common/errors.h"

namespace cases {
namespace {

constexpr absl::string_view kVersion = "p1";
constexpr size_t kFingerprintBytes = 12;

void AppendPart(std::string* out, absl::string_view part) {
  absl::StrAppend(out, part.size(), ":", part);
}

// Reads "<len>:<bytes>" at *pos.
bool ReadPart(absl::string_view in, size_t* pos, std::string* part) {
  const size_t colon = in.find(':', *pos);
  if (colon == absl::string_view::npos || colon == *pos || colon - *pos > 6) {
    return false;
  }
  size_t len = 0;
  for (size_t i = *pos; i < colon; ++i) {
    if (in[i] < '0' || in[i] > '9') {
      return false;
    }
    len = len * 10 + static_cast<size_t>(in[i] - '0');
  }
  if (colon + 1 + len > in.size()) {
    return false;
  }
  *part = std::string(in.substr(colon + 1, len));
  *pos = colon + 1 + len;
  return true;
}

absl::Status BadToken(absl::string_view why) {
  return InvalidField("page_token", std::string(why));
}

}  // namespace

std::string QueryFingerprint(const std::vector<absl::string_view>& parts) {
  std::string joined;
  for (absl::string_view p : parts) {
    AppendPart(&joined, p);
  }
  return Sha256(joined).substr(0, kFingerprintBytes);
}

std::string EncodePageToken(absl::string_view fingerprint, const std::vector<std::string>& key) {
  std::string raw;
  AppendPart(&raw, kVersion);
  AppendPart(&raw, fingerprint);
  for (const std::string& k : key) {
    AppendPart(&raw, k);
  }
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<std::vector<std::string>> DecodePageToken(absl::string_view token,
                                                         absl::string_view fingerprint) {
  std::vector<std::string> key;
  if (token.empty()) {
    return key;
  }
  std::string raw;
  if (token.size() > 4096 || !absl::WebSafeBase64Unescape(token, &raw)) {
    return BadToken("not a page token of this service");
  }
  size_t pos = 0;
  std::string version, bound;
  if (!ReadPart(raw, &pos, &version) || version != kVersion || !ReadPart(raw, &pos, &bound)) {
    return BadToken("not a page token of this service");
  }
  if (bound != fingerprint) {
    return BadToken("the page token belongs to another query (parent, filter or order_by changed)");
  }
  while (pos < raw.size()) {
    std::string part;
    if (!ReadPart(raw, &pos, &part)) {
      return BadToken("not a page token of this service");
    }
    key.push_back(std::move(part));
  }
  return key;
}

}  // namespace cases
