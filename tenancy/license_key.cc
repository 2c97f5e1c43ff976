#include "tenancy/license_key.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "common/errors.h"
#include "common/ids.h"
#include "soc/cases/v1/common.pb.h"

namespace cases::tenancy {
namespace {

using ::google::protobuf::Value;

absl::Status Bad(absl::string_view why) { return InvalidField("license_key", std::string(why)); }

bool Text(const google::protobuf::Struct& s, const char* key, std::string* out) {
  auto it = s.fields().find(key);
  if (it == s.fields().end() || it->second.kind_case() != Value::kStringValue) {
    return false;
  }
  *out = it->second.string_value();
  return true;
}

bool Date(const google::protobuf::Struct& s, const char* key, absl::Time* out) {
  auto it = s.fields().find(key);
  if (it == s.fields().end() || it->second.kind_case() != Value::kNumberValue ||
      !std::isfinite(it->second.number_value()) || it->second.number_value() < 0 ||
      it->second.number_value() > 1e11) {
    return false;
  }
  *out = absl::FromUnixSeconds(static_cast<int64_t>(it->second.number_value()));
  return true;
}

bool IsLicenseId(absl::string_view id) {
  if (id.empty() || id.size() > 64) {
    return false;
  }
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<sql::LicenseRow> VerifyLicenseKey(absl::string_view key,
                                                 const VerificationKey& authority,
                                                 const std::string& tenant_id, absl::Time now) {
  if (key.empty()) {
    return Bad("required");
  }
  auto jws = ParseJws(key);
  if (!jws.ok()) {
    return Bad(jws.status().message());
  }
  if (!VerifyJws(*jws, authority).ok()) {
    return Bad("not signed by the licence authority");
  }
  const auto& p = jws->payload;
  sql::LicenseRow row;
  std::string tid, product;
  if (!Text(p, "lic", &row.license_id) || !IsLicenseId(row.license_id)) {
    return Bad("lic must be 1-64 letters, digits, '.', '-' or '_'");
  }
  if (!Text(p, "tid", &tid) || IdFromText(tid) != tenant_id) {
    return Bad("the key was issued for another tenant");
  }
  ::soc::cases::v1::Product parsed;
  if (!Text(p, "product", &product) || !::soc::cases::v1::Product_Parse(product, &parsed) ||
      parsed == ::soc::cases::v1::PRODUCT_UNSPECIFIED) {
    return Bad("product must be PRODUCT_XDR, PRODUCT_MDR or PRODUCT_MANAGED_RISK");
  }
  if (!Date(p, "nbf", &row.start_time) || !Date(p, "exp", &row.expire_time) ||
      row.expire_time <= row.start_time) {
    return Bad("nbf and exp must be dates with nbf before exp");
  }
  if (row.expire_time <= now) {
    return Bad("the key has expired");
  }
  row.tenant_id = tenant_id;
  row.product = parsed;
  row.install_time = absl::FromUnixMicros(absl::ToUnixMicros(now));
  return row;
}

}  // namespace cases::tenancy
