#include "sql/dsn.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/host_port.h"
#include "common/status_macros.h"

namespace cases::sql {
namespace {

absl::StatusOr<std::string> PercentDecode(absl::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    int value = 0;
    if (i + 2 >= in.size() || !absl::SimpleHexAtoi(in.substr(i + 1, 2), &value)) {
      return absl::InvalidArgumentError("db: bad percent-escape");
    }
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  return out;
}

absl::StatusOr<std::vector<DbHost>> ParseHosts(absl::string_view hosts) {
  std::vector<DbHost> out;
  for (absl::string_view hostport : absl::StrSplit(hosts, ',')) {
    auto parsed = ParseHostPort(hostport, 3306);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("db: '", hostport, "' ", parsed.status().message()));
    }
    DbHost host{std::move(parsed->host), parsed->port};
    if (std::find(out.begin(), out.end(), host) != out.end()) {
      return absl::InvalidArgumentError(absl::StrCat("db: host ", HostLabel(host), " twice"));
    }
    out.push_back(std::move(host));
  }
  return out;
}

std::string PercentEncode(absl::string_view in) {
  std::string out;
  for (char c : in) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out.push_back(c);
    } else {
      absl::StrAppend(&out, "%", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    }
  }
  return out;
}

std::string Format(const DbConfig& config, absl::string_view password) {
  std::string out = absl::StrCat("mysql://", PercentEncode(config.user));
  if (!config.password.empty()) {
    absl::StrAppend(&out, ":", password);
  }
  absl::StrAppend(
      &out, "@",
      absl::StrJoin(config.hosts, ",",
                    [](std::string* o, const DbHost& h) { absl::StrAppend(o, HostLabel(h)); }),
      "/", config.database);
  if (!config.socket.empty()) {
    absl::StrAppend(&out, "?socket=", config.socket);
  }
  return out;
}

}  // namespace

std::string HostLabel(const DbHost& host) {
  const bool v6 = host.host.find(':') != std::string::npos;
  return absl::StrCat(v6 ? "[" : "", host.host, v6 ? "]" : "", ":", host.port);
}

absl::StatusOr<DbConfig> ParseDsn(absl::string_view dsn) {
  DbConfig config;
  if (!absl::ConsumePrefix(&dsn, "mysql://")) {
    return absl::InvalidArgumentError("db: must start with mysql://");
  }
  absl::string_view query;
  if (size_t q = dsn.find('?'); q != absl::string_view::npos) {
    query = dsn.substr(q + 1);
    dsn = dsn.substr(0, q);
  }
  const size_t at = dsn.rfind('@');
  if (at == absl::string_view::npos) {
    return absl::InvalidArgumentError("db: missing USER@");
  }
  absl::string_view userinfo = dsn.substr(0, at);
  absl::string_view rest = dsn.substr(at + 1);
  absl::string_view user = userinfo;
  if (size_t colon = userinfo.find(':'); colon != absl::string_view::npos) {
    user = userinfo.substr(0, colon);
    auto password = PercentDecode(userinfo.substr(colon + 1));
    if (!password.ok()) {
      return password.status();
    }
    config.password = *password;
  }
  auto decoded_user = PercentDecode(user);
  if (!decoded_user.ok() || decoded_user->empty()) {
    return absl::InvalidArgumentError("db: missing or bad user");
  }
  config.user = *decoded_user;
  const size_t slash = rest.find('/');
  if (slash == absl::string_view::npos || slash + 1 == rest.size()) {
    return absl::InvalidArgumentError("db: missing /DATABASE");
  }
  config.database = std::string(rest.substr(slash + 1));
  ASSIGN_OR_RETURN(config.hosts, ParseHosts(rest.substr(0, slash)));
  if (!query.empty()) {
    for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
      std::pair<absl::string_view, absl::string_view> kv =
          absl::StrSplit(pair, absl::MaxSplits('=', 1));
      if (kv.first == "socket") {
        auto socket = PercentDecode(kv.second);
        if (!socket.ok()) {
          return socket.status();
        }
        config.socket = *socket;
      } else if (kv.first == "pool") {
        if (!absl::SimpleAtoi(kv.second, &config.pool_size) || config.pool_size < 1 ||
            config.pool_size > 1024) {
          return absl::InvalidArgumentError("db: pool must be 1..1024");
        }
      } else {
        return absl::InvalidArgumentError(absl::StrCat("db: unknown option ", kv.first));
      }
    }
  }
  return config;
}

std::string RedactedDsn(const DbConfig& config) { return Format(config, "***"); }

std::string FormatDsn(const DbConfig& config) {
  return Format(config, PercentEncode(config.password));
}

}  // namespace cases::sql
