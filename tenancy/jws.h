// JSON Web Signatures (RFC 7515 compact form) with OpenSSL 3 EVP: the token and
// licence-key format. Three algorithms only — RS256, ES256 and EdDSA (Ed25519) —
// and each key is bound to its algorithm, so a header can never pick a weaker
// one (no `none`, no HMAC keyed with a public key).
#ifndef CASES_TENANCY_JWS_H_
#define CASES_TENANCY_JWS_H_

#include <openssl/evp.h>

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"

namespace cases::tenancy {

enum class JwsAlgorithm { kRs256, kEs256, kEdDsa };

// "RS256", "ES256", "EdDSA".
const char* AlgorithmName(JwsAlgorithm alg);
bool ParseAlgorithm(absl::string_view name, JwsAlgorithm* alg);

struct EvpKeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using EvpKey = std::unique_ptr<EVP_PKEY, EvpKeyDeleter>;

// A public key and the one algorithm it verifies.
struct VerificationKey {
  JwsAlgorithm algorithm;
  std::shared_ptr<EVP_PKEY> key;
};

// A private key and the algorithm it signs with.
struct SigningKey {
  JwsAlgorithm algorithm;
  std::shared_ptr<EVP_PKEY> key;
};

// A compact JWS split and decoded, not yet verified.
struct ParsedJws {
  std::string signing_input;  // base64url(header) "." base64url(payload)
  std::string signature;      // raw bytes
  google::protobuf::Struct header;
  google::protobuf::Struct payload;
  JwsAlgorithm algorithm;
  std::string kid;
};

// Splits and decodes; refuses anything but three base64url parts with JSON
// objects and an allowed `alg`. The error message is safe to show callers.
absl::StatusOr<ParsedJws> ParseJws(absl::string_view compact);

// Checks the signature with `key`; the header's alg must be the key's.
absl::Status VerifyJws(const ParsedJws& jws, const VerificationKey& key);

// Signs `payload_json` with a header {alg, typ: JWT, kid}.
absl::StatusOr<std::string> SignJws(const SigningKey& key, absl::string_view kid,
                                    absl::string_view payload_json);

// JWKS {"keys":[...]} → kid → key. Accepts RSA (RS256), EC P-256 (ES256) and
// OKP Ed25519 (EdDSA); a key whose `alg` disagrees with its type is refused.
absl::StatusOr<std::map<std::string, VerificationKey>> ParseJwks(absl::string_view json);

// PEM public key (SubjectPublicKeyInfo) of type RSA, EC P-256 or Ed25519.
absl::StatusOr<VerificationKey> ParsePublicKeyPem(absl::string_view pem);
absl::StatusOr<SigningKey> ParsePrivateKeyPem(absl::string_view pem);

// Key generation and export, for `casectl dev keys` and tests.
absl::StatusOr<SigningKey> GenerateSigningKey(JwsAlgorithm alg);
std::string PrivateKeyPem(const SigningKey& key);
std::string PublicKeyPem(const SigningKey& key);
// One JWK object (JSON) of the public half, with `kid`, `alg` and `use: sig`.
std::string PublicJwk(const SigningKey& key, absl::string_view kid);

// Reads a JSON object into a Struct; false when it is not one.
bool ParseJsonObject(absl::string_view json, google::protobuf::Struct* out);

}  // namespace cases::tenancy

#endif  // CASES_TENANCY_JWS_H_
