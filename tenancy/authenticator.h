// Bearer-token authentication: a JWS signed by a key of the JWKS, with iss, aud,
// exp and nbf checked (small clock skew) and the claims sub, tid and roles.
// Verified tokens are cached by SHA-256 until they expire, so a caller's second
// call costs a hash and a map lookup, not a signature check.
#ifndef CASES_TENANCY_AUTHENTICATOR_H_
#define CASES_TENANCY_AUTHENTICATOR_H_

#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/sync.h"
#include "soc/cases/v1/tenancy_service.pb.h"
#include "tenancy/jws.h"

namespace cases::tenancy {

// What a verified token says.
struct Claims {
  std::string subject;
  std::string tenant_id;  // 16 bytes
  std::vector<::soc::cases::v1::Role> roles;
  // Role claims that name no role ("ROLE_X", "admin", non-strings as JSON):
  // they grant nothing, and GetCallerIdentity shows them.
  std::vector<std::string> ignored_roles;
  absl::Time not_before;
  absl::Time expires;
};

struct AuthenticatorOptions {
  std::string issuer = "cases-dev";
  std::string audience = "cases";
  absl::Duration clock_skew = absl::Seconds(60);
  size_t cache_entries = 100000;
};

class Authenticator {
 public:
  Authenticator(std::map<std::string, VerificationKey> keys, AuthenticatorOptions options)
      : keys_(std::move(keys)), options_(std::move(options)) {}

  // From the `authorization` metadata value. UNAUTHENTICATED with an ErrorInfo
  // reason (TOKEN_MISSING, TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_NOT_YET_VALID,
  // TOKEN_ISSUER_INVALID, TOKEN_AUDIENCE_INVALID, TOKEN_CLAIMS_INVALID) otherwise.
  absl::StatusOr<Claims> Authenticate(absl::string_view authorization, absl::Time now) const;

 private:
  absl::StatusOr<Claims> Verify(absl::string_view token, absl::Time now) const;

  const std::map<std::string, VerificationKey> keys_;
  const AuthenticatorOptions options_;
  mutable Mutex mu_;
  mutable absl::flat_hash_map<std::string, Claims> cache_ ABSL_GUARDED_BY(mu_);
};

// Role claim text (without the ROLE_ prefix) → enum; false when unknown.
bool ParseRoleClaim(absl::string_view text, ::soc::cases::v1::Role* role);

}  // namespace cases::tenancy

#endif  // CASES_TENANCY_AUTHENTICATOR_H_
