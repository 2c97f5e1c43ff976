// Licence keys: compact JWS signed by the licence authority, payload
// {"lic","tid","product","nbf","exp"}. Forged, expired, malformed or
// other-tenant keys are INVALID_ARGUMENT on the `license_key` field.
#ifndef CASES_TENANCY_LICENSE_KEY_H_
#define CASES_TENANCY_LICENSE_KEY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sql/tenant_store.h"
#include "tenancy/jws.h"

namespace cases::tenancy {

// Verifies `key` for `tenant_id` (16 bytes) at `now`; the row's install_time is `now`.
absl::StatusOr<sql::LicenseRow> VerifyLicenseKey(absl::string_view key,
                                                 const VerificationKey& authority,
                                                 const std::string& tenant_id, absl::Time now);

}  // namespace cases::tenancy

#endif  // CASES_TENANCY_LICENSE_KEY_H_
