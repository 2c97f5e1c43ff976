#include "client/dev/dev_keys.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/digest.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "tenancy/jws.h"

namespace cases::client {
namespace {

using tenancy::JwsAlgorithm;

absl::Status WriteFile(const std::string& path, const std::string& data, mode_t mode) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out || !(out << data)) {
    return absl::InvalidArgumentError("cannot write " + path);
  }
  out.close();
  chmod(path.c_str(), mode);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError("cannot read " + path + " (run: casectl dev keys --out DIR)");
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The kid is a hash of the public key, so the same key always has the same kid.
std::string KidOf(const tenancy::SigningKey& key) {
  return "dev-" + absl::BytesToHexString(Sha256(tenancy::PublicKeyPem(key)).substr(0, 6));
}

absl::StatusOr<std::string> TenantId(absl::string_view tenant) {
  absl::ConsumePrefix(&tenant, "tenants/");
  if (!IdFromText(tenant).has_value()) {
    return absl::InvalidArgumentError("--tid/--tenant must be a tenant id or tenants/{id}");
  }
  return std::string(tenant);
}

absl::StatusOr<tenancy::SigningKey> LoadKey(const std::string& path) {
  ASSIGN_OR_RETURN(auto pem, ReadFile(path));
  return tenancy::ParsePrivateKeyPem(pem);
}

}  // namespace

absl::Status WriteDevKeys(const std::string& dir) {
  mkdir(dir.c_str(), 0700);
  auto token_key = tenancy::GenerateSigningKey(JwsAlgorithm::kEs256);
  auto authority = tenancy::GenerateSigningKey(JwsAlgorithm::kEdDsa);
  if (!token_key.ok() || !authority.ok()) {
    return absl::InternalError("key generation failed");
  }
  const std::string jwks =
      absl::StrCat("{\"keys\":[", tenancy::PublicJwk(*token_key, KidOf(*token_key)), "]}\n");
  for (auto [name, data, mode] :
       {std::tuple<const char*, std::string, mode_t>{"jwks.json", jwks, 0644},
        {"token-key.pem", tenancy::PrivateKeyPem(*token_key), 0600},
        {"license-authority.pem", tenancy::PrivateKeyPem(*authority), 0600},
        {"license-authority.pub.pem", tenancy::PublicKeyPem(*authority), 0644}}) {
    RETURN_IF_ERROR(WriteFile(dir + "/" + name, data, mode));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> MintDevToken(const TokenRequest& request, absl::Time now) {
  ASSIGN_OR_RETURN(auto key, LoadKey(request.keys_dir + "/token-key.pem"));
  auto tid = TenantId(request.tenant);
  if (!tid.ok()) {
    return tid.status();
  }
  if (request.subject.empty()) {
    return absl::InvalidArgumentError("--sub is required");
  }
  std::vector<std::string> roles;
  for (absl::string_view role : request.roles) {
    absl::ConsumePrefix(&role, "ROLE_");
    roles.push_back(absl::StrCat("\"", JsonEscape(role), "\""));
  }
  const int64_t iat = absl::ToUnixSeconds(now);
  const std::string payload = absl::StrCat(
      "{\"iss\":\"", JsonEscape(request.issuer), "\",\"aud\":\"", JsonEscape(request.audience),
      "\",\"sub\":\"", JsonEscape(request.subject), "\",\"tid\":\"", *tid, "\",\"roles\":[",
      absl::StrJoin(roles, ","), "],\"iat\":", iat, ",\"nbf\":", iat,
      ",\"exp\":", iat + absl::ToInt64Seconds(request.ttl), "}");
  return tenancy::SignJws(key, KidOf(key), payload);
}

absl::StatusOr<std::string> MintDevLicense(const LicenseRequest& request, absl::Time now) {
  ASSIGN_OR_RETURN(auto key, LoadKey(request.keys_dir + "/license-authority.pem"));
  auto tid = TenantId(request.tenant);
  if (!tid.ok()) {
    return tid.status();
  }
  const std::string lic = request.license_id.empty() ? NewIdText() : request.license_id;
  const int64_t nbf = absl::ToUnixSeconds(now);
  const std::string payload =
      absl::StrCat("{\"lic\":\"", JsonEscape(lic), "\",\"tid\":\"", *tid, "\",\"product\":\"",
                   JsonEscape(request.product), "\",\"nbf\":", nbf,
                   ",\"exp\":", nbf + int64_t{86400} * request.days, "}");
  return tenancy::SignJws(key, "license-authority", payload);
}

}  // namespace cases::client
