// Development keys and credentials for `casectl dev`: a token signing key with
// its JWKS, and a licence authority key pair. Not for production key management.
#ifndef CASES_CLIENT_DEV_KEYS_H_
#define CASES_CLIENT_DEV_KEYS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace cases::client {

// Writes DIR/jwks.json, DIR/token-key.pem, DIR/license-authority.pem and
// DIR/license-authority.pub.pem (private keys mode 0600). Existing files are replaced.
absl::Status WriteDevKeys(const std::string& dir);

struct TokenRequest {
  std::string keys_dir;
  std::string subject;
  std::string tenant;              // bare id or tenants/{id}
  std::vector<std::string> roles;  // Role names without ROLE_ (a ROLE_ prefix is dropped)
  absl::Duration ttl = absl::Hours(1);
  std::string issuer = "cases-dev";
  std::string audience = "cases";
};
absl::StatusOr<std::string> MintDevToken(const TokenRequest& request, absl::Time now);

struct LicenseRequest {
  std::string keys_dir;
  std::string tenant;   // bare id or tenants/{id}
  std::string product;  // PRODUCT_XDR, PRODUCT_MDR, PRODUCT_MANAGED_RISK
  int days = 365;
  std::string license_id;  // default: a new UUID
};
absl::StatusOr<std::string> MintDevLicense(const LicenseRequest& request, absl::Time now);

}  // namespace cases::client

#endif  // CASES_CLIENT_DEV_KEYS_H_
