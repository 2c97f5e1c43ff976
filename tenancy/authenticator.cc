#include "tenancy/authenticator.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/digest.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/status_macros.h"

namespace cases::tenancy {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;

constexpr double kMaxNumericDate = 95617584000;  // 5000-01-01T00:00:00Z
constexpr size_t kMaxIgnoredRoles = 20;
constexpr size_t kMaxTokenBytes = 8192;
constexpr size_t kMaxRoleClaimBytes = 64;

absl::Status Unauthenticated(absl::string_view reason, absl::string_view message) {
  return ErrorWithReason(absl::StatusCode::kUnauthenticated, reason, message);
}

const Value* Field(const Struct& s, const char* key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? nullptr : &it->second;
}

// A NumericDate claim (RFC 7519: seconds since the epoch) before the year 5138;
// each way it can be wrong is said.
absl::Status NumericDate(const Struct& s, const char* key, bool required, absl::Time* out) {
  const Value* v = Field(s, key);
  if (v == nullptr) {
    return required ? Unauthenticated("TOKEN_CLAIMS_INVALID", absl::StrCat(key, " is required"))
                    : absl::OkStatus();
  }
  if (v->kind_case() != Value::kNumberValue || !std::isfinite(v->number_value())) {
    return Unauthenticated("TOKEN_CLAIMS_INVALID",
                           absl::StrCat(key, " must be a number (seconds since 1970)"));
  }
  if (v->number_value() < 0) {
    return Unauthenticated("TOKEN_CLAIMS_INVALID", absl::StrCat(key, " must not be negative"));
  }
  if (v->number_value() > kMaxNumericDate) {
    return Unauthenticated("TOKEN_CLAIMS_INVALID",
                           absl::StrCat(key, " is too far ahead (after the year 5000)"));
  }
  *out = absl::FromUnixSeconds(static_cast<int64_t>(v->number_value()));
  return absl::OkStatus();
}

bool AudienceMatches(const Value* aud, const std::string& expected) {
  if (aud == nullptr) {
    return false;
  }
  if (aud->kind_case() == Value::kStringValue) {
    return aud->string_value() == expected;
  }
  if (aud->kind_case() == Value::kListValue) {
    for (const Value& v : aud->list_value().values()) {
      if (v.kind_case() == Value::kStringValue && v.string_value() == expected) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

bool ParseRoleClaim(absl::string_view text, ::soc::cases::v1::Role* role) {
  if (text.empty() || absl::StartsWith(text, "ROLE_")) {
    return false;
  }
  return ::soc::cases::v1::Role_Parse(absl::StrCat("ROLE_", text), role) &&
         *role != ::soc::cases::v1::ROLE_UNSPECIFIED;
}

absl::StatusOr<Claims> Authenticator::Authenticate(absl::string_view authorization,
                                                   absl::Time now) const {
  if (authorization.empty()) {
    return Unauthenticated("TOKEN_MISSING", "missing authorization: Bearer <token>");
  }
  if (authorization.size() < 7 || !absl::EqualsIgnoreCase(authorization.substr(0, 7), "bearer ")) {
    return Unauthenticated("TOKEN_MISSING", "authorization must be: Bearer <token>");
  }
  absl::string_view token = absl::StripAsciiWhitespace(authorization.substr(7));
  if (token.size() > kMaxTokenBytes) {
    return Unauthenticated("TOKEN_INVALID",
                           absl::StrCat("token larger than ", kMaxTokenBytes, " bytes"));
  }
  const std::string key = Sha256(token);
  {
    MutexLock lock(&mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      const Claims& c = it->second;
      if (now >= c.expires + options_.clock_skew) {
        cache_.erase(it);
        return Unauthenticated("TOKEN_EXPIRED", "token expired");
      }
      if (now + options_.clock_skew < c.not_before) {
        return Unauthenticated("TOKEN_NOT_YET_VALID", "token not yet valid");
      }
      return c;
    }
  }
  ASSIGN_OR_RETURN(auto claims, Verify(token, now));
  MutexLock lock(&mu_);
  if (cache_.size() >= options_.cache_entries) {
    absl::erase_if(cache_, [&](const auto& entry) { return now >= entry.second.expires; });
    if (cache_.size() >= options_.cache_entries) {
      cache_.clear();
    }
  }
  cache_.emplace(key, claims);
  return claims;
}

absl::StatusOr<Claims> Authenticator::Verify(absl::string_view token, absl::Time now) const {
  auto jws = ParseJws(token);
  if (!jws.ok()) {
    return Unauthenticated("TOKEN_INVALID", jws.status().message());
  }
  auto key = keys_.find(jws->kid);
  if (key == keys_.end()) {
    return Unauthenticated("TOKEN_INVALID", "unknown key id (kid)");
  }
  if (absl::Status s = VerifyJws(*jws, key->second); !s.ok()) {
    return Unauthenticated("TOKEN_INVALID", s.message());
  }
  const Struct& p = jws->payload;
  const Value* iss = Field(p, "iss");
  if (iss == nullptr || iss->kind_case() != Value::kStringValue ||
      iss->string_value() != options_.issuer) {
    return Unauthenticated("TOKEN_ISSUER_INVALID", "wrong token issuer");
  }
  if (!AudienceMatches(Field(p, "aud"), options_.audience)) {
    return Unauthenticated("TOKEN_AUDIENCE_INVALID", "wrong token audience");
  }
  Claims claims;
  RETURN_IF_ERROR(NumericDate(p, "exp", /*required=*/true, &claims.expires));
  claims.not_before = absl::InfinitePast();
  RETURN_IF_ERROR(NumericDate(p, "nbf", /*required=*/false, &claims.not_before));
  if (now >= claims.expires + options_.clock_skew) {
    return Unauthenticated("TOKEN_EXPIRED", "token expired");
  }
  if (now + options_.clock_skew < claims.not_before) {
    return Unauthenticated("TOKEN_NOT_YET_VALID", "token not yet valid");
  }
  const Value* sub = Field(p, "sub");
  const Value* tid = Field(p, "tid");
  const Value* roles = Field(p, "roles");
  if (sub == nullptr || sub->kind_case() != Value::kStringValue || sub->string_value().empty() ||
      sub->string_value().size() > 255) {
    return Unauthenticated("TOKEN_CLAIMS_INVALID", "sub must be a string of 1-255 characters");
  }
  claims.subject = sub->string_value();
  std::optional<std::string> tenant = tid != nullptr && tid->kind_case() == Value::kStringValue
                                          ? IdFromText(tid->string_value())
                                          : std::nullopt;
  if (!tenant.has_value()) {
    return Unauthenticated("TOKEN_CLAIMS_INVALID", "tid must be a tenant id");
  }
  claims.tenant_id = *tenant;
  if (roles == nullptr || roles->kind_case() != Value::kListValue) {
    return Unauthenticated("TOKEN_CLAIMS_INVALID", "roles must be a list");
  }
  for (const Value& r : roles->list_value().values()) {
    ::soc::cases::v1::Role role;
    // Unknown role names are ignored: they grant nothing.
    if (r.kind_case() == Value::kStringValue && ParseRoleClaim(r.string_value(), &role)) {
      claims.roles.push_back(role);
    } else if (claims.ignored_roles.size() < kMaxIgnoredRoles) {
      claims.ignored_roles.push_back(r.kind_case() == Value::kStringValue
                                         ? r.string_value().substr(0, kMaxRoleClaimBytes)
                                         : "(not a string)");
    }
  }
  return claims;
}

}  // namespace cases::tenancy
