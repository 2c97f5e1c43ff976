// SHA-256 and HMAC-SHA256, for token cache keys, request fingerprints and page
// tokens; random bytes for keys.
#ifndef CASES_COMMON_DIGEST_H_
#define CASES_COMMON_DIGEST_H_

#include <string>

#include "absl/strings/string_view.h"

namespace cases {

// The 32 raw bytes of SHA-256(bytes).
std::string Sha256(absl::string_view bytes);

// The 32 raw bytes of HMAC-SHA256(key, bytes).
std::string HmacSha256(absl::string_view key, absl::string_view bytes);

// `n` bytes from the operating system's random source (OpenSSL's RAND_bytes).
std::string RandomBytes(size_t n);

}  // namespace cases

#endif  // CASES_COMMON_DIGEST_H_
