// SHA-256, for token cache keys and request fingerprints.
#ifndef CASES_COMMON_DIGEST_H_
#define CASES_COMMON_DIGEST_H_

#include <string>

#include "absl/strings/string_view.h"

namespace cases {

// The 32 raw bytes of SHA-256(bytes).
std::string Sha256(absl::string_view bytes);

}  // namespace cases

#endif  // CASES_COMMON_DIGEST_H_
