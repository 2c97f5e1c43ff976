#include "common/host_port.h"

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"

namespace cases {

namespace {

absl::StatusOr<HostPort> Parse(absl::string_view authority, int default_port, int min_port) {
  HostPort out;
  out.port = default_port;
  absl::string_view port_text;
  bool has_port = false;
  if (absl::ConsumePrefix(&authority, "[")) {
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError("has an unclosed IPv6 address");
    }
    out.host = std::string(authority.substr(0, close));
    absl::string_view after = authority.substr(close + 1);
    if (!after.empty() && !absl::ConsumePrefix(&after, ":")) {
      return absl::InvalidArgumentError("has a malformed host");
    }
    has_port = close + 1 < authority.size();
    port_text = after;
  } else {
    const size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    has_port = colon != absl::string_view::npos;
    if (has_port) {
      port_text = authority.substr(colon + 1);
    }
  }
  if (out.host.empty()) {
    return absl::InvalidArgumentError("has no host");
  }
  if (has_port &&
      (!absl::SimpleAtoi(port_text, &out.port) || out.port < min_port || out.port > 65535)) {
    return absl::InvalidArgumentError(min_port == 0 ? "has a port that is not 0-65535"
                                                    : "has a port that is not 1-65535");
  }
  return out;
}

}  // namespace

absl::StatusOr<HostPort> ParseHostPort(absl::string_view authority, int default_port) {
  return Parse(authority, default_port, 1);
}

absl::StatusOr<HostPort> ParseListenAddress(absl::string_view address, int default_port) {
  return Parse(address, default_port, 0);
}

}  // namespace cases
