#include "webhook/target.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/host_port.h"
#include "common/status_macros.h"

namespace cases::webhook {
namespace {

bool ForbiddenV4(uint32_t a) {  // host byte order
  auto in = [a](uint32_t net, int bits) { return (a >> (32 - bits)) == (net >> (32 - bits)); };
  return in(0x00000000, 8) ||   // 0.0.0.0/8 "this network"
         in(0x0A000000, 8) ||   // 10/8
         in(0x64400000, 10) ||  // 100.64/10 carrier-grade NAT
         in(0x7F000000, 8) ||   // loopback
         in(0xA9FE0000, 16) ||  // link-local, cloud metadata
         in(0xAC100000, 12) ||  // 172.16/12
         in(0xC0000000, 24) ||  // 192.0.0/24 protocol assignments
         in(0xC0A80000, 16) ||  // 192.168/16
         in(0xC6120000, 15) ||  // 198.18/15 benchmarking
         in(0xE0000000, 4) ||   // multicast
         in(0xF0000000, 4);     // reserved, broadcast
}

bool ForbiddenV6(const in6_addr& a) {
  const uint8_t* b = a.s6_addr;
  if (IN6_IS_ADDR_V4MAPPED(&a) || IN6_IS_ADDR_V4COMPAT(&a)) {
    uint32_t v4 = 0;
    std::memcpy(&v4, b + 12, 4);
    return ForbiddenV4(ntohl(v4));
  }
  return IN6_IS_ADDR_UNSPECIFIED(&a) || IN6_IS_ADDR_LOOPBACK(&a) ||
         (b[0] & 0xFE) == 0xFC ||                    // fc00::/7 unique local (fd00:ec2::254)
         (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) ||  // fe80::/10 link-local
         b[0] == 0xFF ||                             // multicast
         (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B);  // 64:ff9b::/96 NAT64
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> ParsePins(
    const std::vector<std::string>& entries) {
  std::map<std::string, std::string> pins;
  for (const std::string& e : entries) {
    const size_t first = e.find(':');
    const size_t second = first == std::string::npos ? first : e.find(':', first + 1);
    int port = 0;
    if (second == std::string::npos ||
        !absl::SimpleAtoi(e.substr(first + 1, second - first - 1), &port) || port <= 0 ||
        port > 65535 || first == 0 || second + 1 >= e.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("webhook pin '", e, "' is not host:port:address"));
    }
    pins[e.substr(0, second)] = e.substr(second + 1);
  }
  return pins;
}

absl::StatusOr<Target> ParseUri(const std::string& uri, bool allow_http) {
  if (uri.size() > kMaxUriLength) {
    return absl::InvalidArgumentError(absl::StrCat("at most ", kMaxUriLength, " characters"));
  }
  Target t;
  absl::string_view rest = uri;
  if (absl::StartsWith(rest, "https://")) {
    t.scheme = "https";
    rest.remove_prefix(8);
  } else if (absl::StartsWith(rest, "http://")) {
    if (!allow_http) {
      return absl::InvalidArgumentError("must be https:// (plain http is not allowed)");
    }
    t.scheme = "http";
    t.port = 80;
    rest.remove_prefix(7);
  } else {
    return absl::InvalidArgumentError("must be an absolute https:// URI");
  }
  for (char c : uri) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F || c == '\\') {
      return absl::InvalidArgumentError("may not hold spaces, control characters or backslashes");
    }
  }
  absl::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (absl::StrContains(authority, '@')) {
    return absl::InvalidArgumentError("may not hold user info (user@host)");
  }
  ASSIGN_OR_RETURN(HostPort host, ParseHostPort(authority, t.port));
  t.host = absl::AsciiStrToLower(host.host);
  t.port = host.port;
  return t;
}

bool IsForbiddenAddress(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    return ForbiddenV4(ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6) {
    return ForbiddenV6(reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr);
  }
  return true;
}

bool IsForbiddenAddress(const std::string& numeric) {
  in_addr v4{};
  if (inet_pton(AF_INET, numeric.c_str(), &v4) == 1) {
    return ForbiddenV4(ntohl(v4.s_addr));
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, numeric.c_str(), &v6) == 1) {
    return ForbiddenV6(v6);
  }
  return true;
}

absl::Status CheckTarget(const std::string& uri, const Policy& policy) {
  auto target = ParseUri(uri, policy.allow_private);
  if (!target.ok()) {
    return target.status();
  }
  if (policy.allow_private) {
    return absl::OkStatus();
  }
  std::vector<std::string> addresses;
  if (auto pin = policy.pinned.find(absl::StrCat(target->host, ":", target->port));
      pin != policy.pinned.end()) {
    addresses.push_back(pin->second);
  } else {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(target->host.c_str(), nullptr, &hints, &found) != 0) {
      return absl::InvalidArgumentError(absl::StrCat("host '", target->host, "' does not resolve"));
    }
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
      char text[INET6_ADDRSTRLEN] = {};
      const void* raw =
          a->ai_family == AF_INET
              ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
              : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
      inet_ntop(a->ai_family, raw, text, sizeof(text));
      addresses.emplace_back(text);
    }
    freeaddrinfo(found);
  }
  for (const std::string& a : addresses) {
    if (IsForbiddenAddress(a)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "resolves to ", a,
          ", a loopback, private, link-local or metadata address (webhooks go to public "
          "addresses only)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace cases::webhook
