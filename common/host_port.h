// host[:port] as URIs write it (RFC 3986's authority without user info): "host",
// "host:port", "[v6 address]" or "[v6 address]:port". The one parser of it, for the
// database DSN's hosts and webhook targets.
#ifndef CASES_COMMON_HOST_PORT_H_
#define CASES_COMMON_HOST_PORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cases {

struct HostPort {
  std::string host;  // as written (an IPv6 address without its brackets)
  int port = 0;
};

// `default_port` when none is written. An IPv6 address must be in brackets. Errors
// are phrases about the value ("has no host"), for the caller to name what it is.
absl::StatusOr<HostPort> ParseHostPort(absl::string_view authority, int default_port);

// An address to listen on: the same, but port 0 (any free port) is allowed.
absl::StatusOr<HostPort> ParseListenAddress(absl::string_view address, int default_port);

}  // namespace cases

#endif  // CASES_COMMON_HOST_PORT_H_
