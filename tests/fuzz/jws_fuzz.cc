// libFuzzer target: bearer-token and licence-key parsing and verification with
// real keys. Nothing unsigned may ever verify.
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "tenancy/authenticator.h"
#include "tenancy/jws.h"
#include "tenancy/license_key.h"

namespace {

struct Keys {
  Keys() {
    auto signer = cases::tenancy::GenerateSigningKey(cases::tenancy::JwsAlgorithm::kEs256);
    auto jwks = cases::tenancy::ParseJwks(
        absl::StrCat("{\"keys\":[", cases::tenancy::PublicJwk(*signer, "k1"), "]}"));
    authenticator = std::make_unique<cases::tenancy::Authenticator>(
        *jwks, cases::tenancy::AuthenticatorOptions{});
    authority = *cases::tenancy::ParsePublicKeyPem(cases::tenancy::PublicKeyPem(*signer));
  }
  std::unique_ptr<cases::tenancy::Authenticator> authenticator;
  cases::tenancy::VerificationKey authority;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Keys* keys = new Keys();
  const std::string input(reinterpret_cast<const char*>(data), size);
  // A fresh key per process: no input can carry a valid signature.
  if (keys->authenticator->Authenticate("Bearer " + input, absl::Now()).ok()) {
    __builtin_trap();
  }
  if (cases::tenancy::VerifyLicenseKey(input, keys->authority, std::string(16, '\1'), absl::Now())
          .ok()) {
    __builtin_trap();
  }
  auto parsed = cases::tenancy::ParseJws(input);
  (void)parsed;
  return 0;
}
