// Where a webhook may go: `https://host[:port]/path` whose every resolved address
// is public. Loopback, private (RFC 1918, unique local), link-local (which holds
// the cloud metadata address 169.254.169.254), carrier-grade NAT, multicast and
// unspecified addresses are refused, as is plain `http`, unless private targets
// are allowed (tests, closed networks). The check runs when a subscription is
// saved and again on the address each connection is about to use (sender.h), so
// a name that later resolves elsewhere (DNS rebinding) is still refused.
#ifndef CASES_WEBHOOK_TARGET_H_
#define CASES_WEBHOOK_TARGET_H_

#include <sys/socket.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace cases::webhook {

inline constexpr size_t kMaxUriLength = 2048;

struct Target {
  std::string scheme;  // "https" (or "http" where private targets are allowed)
  std::string host;    // a name, or an address (IPv6 without brackets)
  int port = 443;
};

// How targets are checked, and host:port names pinned to addresses (curl's
// --resolve, for closed networks and tests: "hooks.example:443:10.0.0.1").
struct Policy {
  bool allow_private = false;
  std::map<std::string, std::string> pinned;  // "host:port" → address
};

// Parses "host:port:address" entries into Policy::pinned; INVALID_ARGUMENT on a malformed one.
absl::StatusOr<std::map<std::string, std::string>> ParsePins(
    const std::vector<std::string>& entries);

// The uri's scheme, host and port; an error message (for a field violation) when it
// is not an absolute http(s) URI without user info, or uses http without `allow_http`.
absl::StatusOr<Target> ParseUri(const std::string& uri, bool allow_http);

// Whether an address may not be a webhook's peer (see the file comment).
bool IsForbiddenAddress(const sockaddr* address);
bool IsForbiddenAddress(const std::string& numeric);  // "10.0.0.1", "::1"; unparsable: true

// Parses `uri` and resolves its host (pinned names as pinned) and refuses it
// when any address is forbidden; the message says why, for a field violation.
absl::Status CheckTarget(const std::string& uri, const Policy& policy);

}  // namespace cases::webhook

#endif  // CASES_WEBHOOK_TARGET_H_
