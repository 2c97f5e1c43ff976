// Opaque page tokens for keyset pagination. A token holds the sort key of the
// last item returned and a fingerprint of the query it belongs to (method,
// parent, filter, order), so reusing it with another query is INVALID_ARGUMENT.
// Tokens carry an HMAC-SHA256 under the server's page token key: an altered
// token is INVALID_ARGUMENT, never another page. Replicas that share the key
// accept each other's tokens, and tokens survive a restart with the same key.
#ifndef CASES_COMMON_PAGE_TOKEN_H_
#define CASES_COMMON_PAGE_TOKEN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cases {

// Sets the key page tokens are signed with (any bytes, at least 16). Until it is
// set, a random key of this process is used (tokens then die with the process).
void SetPageTokenKey(std::string key);

// Fingerprint of everything a page token is bound to.
std::string QueryFingerprint(const std::vector<absl::string_view>& parts);

std::string EncodePageToken(absl::string_view fingerprint, const std::vector<std::string>& key);

// The key parts; INVALID_ARGUMENT (field `page_token`) when the token is not one
// of ours or belongs to another query. An empty token decodes to an empty key.
absl::StatusOr<std::vector<std::string>> DecodePageToken(absl::string_view token,
                                                         absl::string_view fingerprint);

}  // namespace cases

#endif  // CASES_COMMON_PAGE_TOKEN_H_
