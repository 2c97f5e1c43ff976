#include "common/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/digest.h"
#include "common/errors.h"

namespace cases {
namespace {

constexpr absl::string_view kVersion = "p2";
constexpr size_t kFingerprintBytes = 12;
constexpr size_t kMacBytes = 16;

std::string& KeyStorage() {
  static auto* key = new std::string(RandomBytes(32));
  return *key;
}

std::string Mac(absl::string_view raw) {
  return HmacSha256(KeyStorage(), raw).substr(0, kMacBytes);
}

// Constant-time comparison of two MACs of equal length.
bool SameMac(absl::string_view a, absl::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

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

void SetPageTokenKey(std::string key) { KeyStorage() = std::move(key); }

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
  return absl::WebSafeBase64Escape(raw + Mac(raw));
}

absl::StatusOr<std::vector<std::string>> DecodePageToken(absl::string_view token,
                                                         absl::string_view fingerprint) {
  std::vector<std::string> key;
  if (token.empty()) {
    return key;
  }
  std::string raw;
  if (token.size() > 4096 || !absl::WebSafeBase64Unescape(token, &raw) || raw.size() < kMacBytes) {
    return BadToken("not a page token of this service");
  }
  const std::string mac = raw.substr(raw.size() - kMacBytes);
  raw.resize(raw.size() - kMacBytes);
  if (!SameMac(mac, Mac(raw))) {
    return BadToken("the page token was altered, or was made with another page token key");
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
