// JWS, JWKS, token authentication and licence keys, without a server: every
// attack the issue lists must end in UNAUTHENTICATED (tokens) or INVALID_ARGUMENT
// (licence keys) with the documented reason.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "common/ids.h"
#include "soc/cases/v1/common.pb.h"
#include "tenancy/authenticator.h"
#include "tenancy/directory.h"
#include "tenancy/guard.h"
#include "tenancy/jws.h"
#include "tenancy/license_key.h"
#include "tenancy/permissions.h"

namespace cases::tenancy {
namespace {

constexpr char kKid[] = "k1";

std::string B64(absl::string_view s) { return absl::WebSafeBase64Escape(s); }

class TokenTest : public ::testing::TestWithParam<JwsAlgorithm> {
 protected:
  void SetUp() override {
    auto key = GenerateSigningKey(GetParam());
    ASSERT_TRUE(key.ok());
    key_ = *key;
    auto jwks = ParseJwks(absl::StrCat("{\"keys\":[", PublicJwk(key_, kKid), "]}"));
    ASSERT_TRUE(jwks.ok()) << jwks.status();
    auth_ = std::make_unique<Authenticator>(*jwks, AuthenticatorOptions{});
    tenant_ = NewIdText();
  }

  std::string Payload(int64_t exp_offset = 3600, int64_t nbf_offset = 0,
                      const std::string& iss = "cases-dev", const std::string& aud = "\"cases\"") {
    const int64_t now = absl::ToUnixSeconds(now_);
    return absl::StrCat("{\"iss\":\"", iss, "\",\"aud\":", aud, ",\"sub\":\"alice\",\"tid\":\"",
                        tenant_, "\",\"roles\":[\"TENANT_ADMIN\",\"NOT_A_ROLE\"],\"iat\":", now,
                        ",\"nbf\":", now + nbf_offset, ",\"exp\":", now + exp_offset, "}");
  }
  std::string Sign(const std::string& payload, const std::string& kid = kKid) {
    auto token = SignJws(key_, kid, payload);
    EXPECT_TRUE(token.ok());
    return *token;
  }
  std::string Reason(const std::string& token) {
    auto claims = auth_->Authenticate("Bearer " + token, now_);
    EXPECT_FALSE(claims.ok());
    EXPECT_EQ(claims.status().code(), absl::StatusCode::kUnauthenticated);
    return ErrorReason(claims.status());
  }

  SigningKey key_;
  std::unique_ptr<Authenticator> auth_;
  std::string tenant_;
  absl::Time now_ = absl::FromUnixSeconds(1800000000);
};

TEST_P(TokenTest, ValidTokenYieldsClaims) {
  auto claims = auth_->Authenticate("Bearer " + Sign(Payload()), now_);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->subject, "alice");
  EXPECT_EQ(IdToText(claims->tenant_id), tenant_);
  ASSERT_EQ(claims->roles.size(), 1u);  // the unknown role grants nothing
  EXPECT_EQ(claims->roles[0], ::soc::cases::v1::ROLE_TENANT_ADMIN);
  EXPECT_THAT(claims->ignored_roles, ::testing::ElementsAre("NOT_A_ROLE"));  // and is shown
}

TEST_P(TokenTest, BadExpSaysWhatIsWrong) {
  const auto with_exp = [&](const std::string& exp) {
    return Sign(absl::StrCat("{\"iss\":\"cases-dev\",\"aud\":\"cases\",\"sub\":\"a\",\"tid\":\"",
                             tenant_, "\",\"roles\":[],\"exp\":", exp, "}"));
  };
  const auto message = [&](const std::string& token) {
    return std::string(auth_->Authenticate("Bearer " + token, now_).status().message());
  };
  EXPECT_EQ(message(with_exp("\"1800003600\"")), "exp must be a number (seconds since 1970)");
  EXPECT_EQ(message(with_exp("253402300799")), "exp is too far ahead (after the year 5000)");
  EXPECT_EQ(message(with_exp("-5")), "exp must not be negative");
  EXPECT_EQ(Reason(with_exp("253402300799")), "TOKEN_CLAIMS_INVALID");
}

TEST_P(TokenTest, OversizedTokenIsRefusedAsInvalidWithItsLimit) {
  const auto claims = auth_->Authenticate("Bearer " + std::string(9000, 'a'), now_);
  ASSERT_FALSE(claims.ok());
  EXPECT_EQ(ErrorReason(claims.status()), "TOKEN_INVALID");
  EXPECT_EQ(claims.status().message(), "token larger than 8192 bytes");
}

TEST_P(TokenTest, AudienceMayBeAList) {
  EXPECT_TRUE(
      auth_
          ->Authenticate("Bearer " + Sign(Payload(3600, 0, "cases-dev", "[\"x\",\"cases\"]")), now_)
          .ok());
}

TEST_P(TokenTest, MissingOrNonBearerHeaderIsTokenMissing) {
  EXPECT_EQ(ErrorReason(auth_->Authenticate("", now_).status()), "TOKEN_MISSING");
  EXPECT_EQ(ErrorReason(auth_->Authenticate("Basic abc", now_).status()), "TOKEN_MISSING");
}

TEST_P(TokenTest, ExpiredTokenIsRefused) {
  EXPECT_EQ(Reason(Sign(Payload(-3600))), "TOKEN_EXPIRED");
}

TEST_P(TokenTest, ExpiryWithinClockSkewIsAccepted) {
  EXPECT_TRUE(auth_->Authenticate("Bearer " + Sign(Payload(-30)), now_).ok());
}

TEST_P(TokenTest, NotYetValidTokenIsRefused) {
  EXPECT_EQ(Reason(Sign(Payload(7200, 3600))), "TOKEN_NOT_YET_VALID");
}

TEST_P(TokenTest, WrongIssuerIsRefused) {
  EXPECT_EQ(Reason(Sign(Payload(3600, 0, "evil"))), "TOKEN_ISSUER_INVALID");
}

TEST_P(TokenTest, WrongAudienceIsRefused) {
  EXPECT_EQ(Reason(Sign(Payload(3600, 0, "cases-dev", "\"other\""))), "TOKEN_AUDIENCE_INVALID");
}

TEST_P(TokenTest, UnknownKidIsRefused) {
  EXPECT_EQ(Reason(Sign(Payload(), "k2")), "TOKEN_INVALID");
}

TEST_P(TokenTest, TamperedPayloadIsRefused) {
  std::vector<std::string> parts = absl::StrSplit(Sign(Payload()), '.');
  const std::string forged = Payload();
  parts[1] = B64(absl::StrReplaceAll(forged, {{"TENANT_ADMIN", "PLATFORM_ADMIN"}}));
  EXPECT_EQ(Reason(absl::StrJoin(parts, ".")), "TOKEN_INVALID");
}

TEST_P(TokenTest, AlgNoneIsRefused) {
  const std::string token =
      absl::StrCat(B64("{\"alg\":\"none\",\"kid\":\"k1\"}"), ".", B64(Payload()), ".");
  EXPECT_EQ(Reason(token), "TOKEN_INVALID");
  EXPECT_EQ(Reason(token + "AAAA"), "TOKEN_INVALID");
}

TEST_P(TokenTest, HmacWithThePublicKeyIsRefused) {
  // The classic confusion attack: HS256 keyed with the public key's bytes.
  const std::string token = absl::StrCat(B64("{\"alg\":\"HS256\",\"kid\":\"k1\"}"), ".",
                                         B64(Payload()), ".", B64(std::string(32, 'x')));
  EXPECT_EQ(Reason(token), "TOKEN_INVALID");
}

TEST_P(TokenTest, HeaderNamingAnotherAllowedAlgorithmIsRefused) {
  std::vector<std::string> parts = absl::StrSplit(Sign(Payload()), '.');
  const char* other = GetParam() == JwsAlgorithm::kRs256 ? "ES256" : "RS256";
  parts[0] = B64(absl::StrCat("{\"alg\":\"", other, "\",\"kid\":\"k1\"}"));
  EXPECT_EQ(Reason(absl::StrJoin(parts, ".")), "TOKEN_INVALID");
}

TEST_P(TokenTest, GarbageIsRefused) {
  for (const char* garbage : {"x", "a.b", "a.b.c", "....", "e30.e30.e30"}) {
    EXPECT_EQ(Reason(garbage), "TOKEN_INVALID") << garbage;
  }
}

TEST_P(TokenTest, MissingClaimsAreRefused) {
  const int64_t now = absl::ToUnixSeconds(now_);
  EXPECT_EQ(
      Reason(Sign(absl::StrCat("{\"iss\":\"cases-dev\",\"aud\":\"cases\",\"sub\":\"a\",\"tid\":\"",
                               tenant_, "\",\"roles\":[]}"))),
      "TOKEN_CLAIMS_INVALID");  // no exp
  EXPECT_EQ(Reason(Sign(absl::StrCat(
                "{\"iss\":\"cases-dev\",\"aud\":\"cases\",\"sub\":\"a\",\"tid\":\"nope\","
                "\"roles\":[],\"exp\":",
                now + 60, "}"))),
            "TOKEN_CLAIMS_INVALID");
  EXPECT_EQ(Reason(Sign(absl::StrCat("{\"iss\":\"cases-dev\",\"aud\":\"cases\",\"tid\":\"", tenant_,
                                     "\",\"roles\":[],\"exp\":", now + 60, "}"))),
            "TOKEN_CLAIMS_INVALID");  // no sub
}

TEST_P(TokenTest, CachedTokenStillExpires) {
  const std::string header = "Bearer " + Sign(Payload(600));
  ASSERT_TRUE(auth_->Authenticate(header, now_).ok());
  ASSERT_TRUE(auth_->Authenticate(header, now_ + absl::Minutes(5)).ok());
  EXPECT_EQ(ErrorReason(auth_->Authenticate(header, now_ + absl::Hours(1)).status()),
            "TOKEN_EXPIRED");
}

INSTANTIATE_TEST_SUITE_P(Algorithms, TokenTest,
                         ::testing::Values(JwsAlgorithm::kRs256, JwsAlgorithm::kEs256,
                                           JwsAlgorithm::kEdDsa),
                         [](const auto& info) { return std::string(AlgorithmName(info.param)); });

TEST(JwksTest, KeyWhoseAlgDisagreesWithItsTypeIsRefused) {
  auto key = GenerateSigningKey(JwsAlgorithm::kEs256);
  ASSERT_TRUE(key.ok());
  std::string jwk = PublicJwk(*key, "k");
  jwk = absl::StrReplaceAll(jwk, {{"\"alg\":\"ES256\"", "\"alg\":\"RS256\""}});
  EXPECT_FALSE(ParseJwks(absl::StrCat("{\"keys\":[", jwk, "]}")).ok());
}

TEST(JwksTest, SymmetricKeysAreRefused) {
  EXPECT_FALSE(ParseJwks("{\"keys\":[{\"kid\":\"h\",\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}").ok());
}

TEST(JwksTest, PointOffTheCurveIsRefused) {
  const std::string x = B64(std::string(32, '\x01'));
  EXPECT_FALSE(
      ParseJwks(absl::StrCat("{\"keys\":[{\"kid\":\"e\",\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"",
                             x, "\",\"y\":\"", x, "\"}]}"))
          .ok());
}

class LicenseKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto authority = GenerateSigningKey(JwsAlgorithm::kEdDsa);
    ASSERT_TRUE(authority.ok());
    authority_ = *authority;
    auto pub = ParsePublicKeyPem(PublicKeyPem(authority_));
    ASSERT_TRUE(pub.ok());
    authority_public_ = *pub;
    tenant_ = NewIdBytes();
  }
  std::string Key(const SigningKey& signer, const std::string& tid, int64_t nbf, int64_t exp,
                  const std::string& product = "PRODUCT_MDR") {
    auto key = SignJws(signer, "",
                       absl::StrCat("{\"lic\":\"L-1\",\"tid\":\"", tid, "\",\"product\":\"",
                                    product, "\",\"nbf\":", nbf, ",\"exp\":", exp, "}"));
    EXPECT_TRUE(key.ok());
    return *key;
  }
  SigningKey authority_;
  VerificationKey authority_public_;
  std::string tenant_;
  absl::Time now_ = absl::FromUnixSeconds(1800000000);
  int64_t t_ = 1800000000;
};

TEST_F(LicenseKeyTest, ValidKeyYieldsLicence) {
  auto row = VerifyLicenseKey(Key(authority_, IdToText(tenant_), t_ - 10, t_ + 86400),
                              authority_public_, tenant_, now_);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(row->license_id, "L-1");
  EXPECT_EQ(row->product, ::soc::cases::v1::PRODUCT_MDR);
  EXPECT_EQ(row->expire_time, absl::FromUnixSeconds(t_ + 86400));
}

TEST_F(LicenseKeyTest, ForgedKeyIsInvalidArgument) {
  auto forger = GenerateSigningKey(JwsAlgorithm::kEdDsa);
  ASSERT_TRUE(forger.ok());
  auto row = VerifyLicenseKey(Key(*forger, IdToText(tenant_), t_ - 10, t_ + 86400),
                              authority_public_, tenant_, now_);
  EXPECT_EQ(row.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(LicenseKeyTest, ExpiredKeyIsInvalidArgument) {
  auto row = VerifyLicenseKey(Key(authority_, IdToText(tenant_), t_ - 100, t_ - 10),
                              authority_public_, tenant_, now_);
  EXPECT_EQ(row.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(LicenseKeyTest, OtherTenantsKeyIsInvalidArgument) {
  auto row = VerifyLicenseKey(Key(authority_, NewIdText(), t_ - 10, t_ + 86400), authority_public_,
                              tenant_, now_);
  EXPECT_EQ(row.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(LicenseKeyTest, UnknownProductIsInvalidArgument) {
  auto row =
      VerifyLicenseKey(Key(authority_, IdToText(tenant_), t_ - 10, t_ + 86400, "PRODUCT_SIEM"),
                       authority_public_, tenant_, now_);
  EXPECT_EQ(row.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PermissionTableTest, EveryRpcOfEveryServiceHasARule) {
  EXPECT_TRUE(Guard::CheckTableCoversApi().ok()) << Guard::CheckTableCoversApi();
}

TEST(PermissionTableTest, PartnerAndEnterpriseSuperAdminsMayNotCloseOrRemove) {
  namespace v1 = ::soc::cases::v1;
  for (Action action : {Action::kCloseCase, Action::kRemoveCase}) {
    const ActionRule& rule = RuleOf(action);
    for (const Grant& g : rule.grants) {
      for (v1::Role forbidden : {v1::ROLE_PARTNER_SUPER_ADMIN, v1::ROLE_ENTERPRISE_SUPER_ADMIN,
                                 v1::ROLE_PARTNER_ADMIN, v1::ROLE_ENTERPRISE_ADMIN}) {
        EXPECT_EQ(std::count(g.roles.begin(), g.roles.end(), forbidden), 0) << rule.words;
      }
    }
  }
  for (const char* method :
       {"soc.cases.v1.CaseService.DeleteCase", "soc.cases.v1.CaseService.BatchDeleteCases"}) {
    ASSERT_NE(FindPermission(method), nullptr);
    EXPECT_EQ(FindPermission(method)->action, Action::kRemoveCase) << method;
  }
}

TEST(TenantOfNameTest, ParsesAndRejects) {
  const std::string id = NewIdText();
  EXPECT_EQ(TenantOfName("tenants/" + id + "/cases/x", "name", false).value(),
            IdFromText(id).value());
  EXPECT_EQ(TenantOfName("tenants/-", "parent", true).value(), "-");
  EXPECT_FALSE(TenantOfName("tenants/-", "parent", false).ok());
  EXPECT_FALSE(TenantOfName("tenants/-/cases/x", "parent", true).ok());
  EXPECT_FALSE(TenantOfName("", "parent", true).ok());
  EXPECT_FALSE(TenantOfName("orgs/" + id, "parent", true).ok());
  EXPECT_FALSE(TenantOfName("tenants/" + id.substr(1), "parent", true).ok());
}

TEST(TenantSnapshotTest, SharedPartnerIsTheParentOfTenantsAndAnyOtherKindItself) {
  namespace v1 = ::soc::cases::v1;
  const absl::Time now = absl::Now();
  const std::string provider = NewIdBytes(), partner = NewIdBytes(), org = NewIdBytes();
  const std::string a = NewIdBytes(), b = NewIdBytes(), c = NewIdBytes();
  const TenantSnapshot snapshot(
      std::vector<sql::TenantRow>{{provider, "", v1::TENANT_KIND_PROVIDER, "Provider", now},
                                  {partner, provider, v1::TENANT_KIND_PARTNER, "Partner", now},
                                  {org, provider, v1::TENANT_KIND_ORGANIZATION, "Org", now},
                                  {a, partner, v1::TENANT_KIND_TENANT, "A", now},
                                  {b, partner, v1::TENANT_KIND_TENANT, "B", now},
                                  {c, org, v1::TENANT_KIND_TENANT, "C", now}},
      std::vector<sql::LicenseRow>{});
  EXPECT_EQ(snapshot.SharedPartner({a, b}), partner);
  EXPECT_EQ(snapshot.SharedPartner({a, partner, b}), partner);
  EXPECT_EQ(snapshot.SharedPartner({c, org}), org);
  EXPECT_EQ(snapshot.SharedPartner({provider}), provider);
  // Tenants of two partners, or one the snapshot does not know: none.
  EXPECT_EQ(snapshot.SharedPartner({a, c}), "");
  EXPECT_EQ(snapshot.SharedPartner({partner, org}), "");
  EXPECT_EQ(snapshot.SharedPartner({a, NewIdBytes()}), "");
}

}  // namespace
}  // namespace cases::tenancy
