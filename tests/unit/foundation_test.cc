// Unit tests of the pieces that need no database: DSN parsing, ids, the error
// builder, migration statement splitting and the database's time text.
#include <gtest/gtest.h>

#include <random>

#include "absl/strings/escaping.h"
#include "absl/time/civil_time.h"
#include "common/errors.h"
#include "common/host_port.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/page_token.h"
#include "google/rpc/error_details.pb.h"
#include "sql/activities.h"
#include "sql/db_time.h"
#include "sql/dsn.h"
#include "sql/migrate.h"

namespace cases {
namespace {

TEST(DsnTest, ParsesEveryPart) {
  auto config = sql::ParseDsn("mysql://app:p%40ss@db.local:3310/cases?socket=/tmp/x.sock&pool=7");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->user, "app");
  EXPECT_EQ(config->password, "p@ss");
  EXPECT_EQ(config->hosts, (std::vector<sql::DbHost>{{"db.local", 3310}}));
  EXPECT_EQ(config->database, "cases");
  EXPECT_EQ(config->socket, "/tmp/x.sock");
  EXPECT_EQ(config->pool_size, 7);
}

TEST(DsnTest, DefaultsPortAndPool) {
  auto config = sql::ParseDsn("mysql://root@localhost/cases");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->hosts, (std::vector<sql::DbHost>{{"localhost", 3306}}));
  EXPECT_EQ(config->pool_size, 16);
  EXPECT_TRUE(config->password.empty());
}

TEST(DsnTest, RejectsMalformed) {
  for (const char* bad :
       {"postgres://u@h/d", "mysql://h/d", "mysql://u@h", "mysql://u@h:0/d", "mysql://u@h/d?pool=0",
        "mysql://u@h/d?color=red", "mysql://@h/d", "mysql://u@h1,/d", "mysql://u@,h2/d",
        "mysql://u@h1:3306,h1:3306/d", "mysql://u@h:/d", "mysql://u@[::1/d", "mysql://u@[::1]x/d",
        "mysql://u@h:99999/d"}) {
    EXPECT_FALSE(sql::ParseDsn(bad).ok()) << bad;
  }
}

TEST(DsnTest, ParsesEveryHostOfAClusterWithItsOwnPort) {
  auto config = sql::ParseDsn("mysql://u:p@h1:3306,h2,[::1]:3308,10.0.0.4:3309/cases");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->hosts, (std::vector<sql::DbHost>{
                               {"h1", 3306}, {"h2", 3306}, {"::1", 3308}, {"10.0.0.4", 3309}}));
  EXPECT_EQ(config->database, "cases");
}

TEST(HostPortTest, ReadsNamesAndBracketedV6WithOrWithoutAPort) {
  auto plain = ParseHostPort("db.local", 3306);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->host, "db.local");
  EXPECT_EQ(plain->port, 3306);
  auto v6 = ParseHostPort("[fd00::1]:3310", 3306);
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "fd00::1");
  EXPECT_EQ(v6->port, 3310);
  for (const char* bad : {"", ":1", "h:", "h:0", "h:65536", "h:x", "[::1", "[::1]x", "[]", "::1"}) {
    EXPECT_FALSE(ParseHostPort(bad, 3306).ok()) << bad;
  }
}

TEST(HostPortTest, AListenAddressMayAskForAnyFreePort) {
  auto any = ParseListenAddress("127.0.0.1:0", 8080);
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->port, 0);
  EXPECT_EQ(ParseListenAddress("[::1]", 8080)->port, 8080);
  EXPECT_FALSE(ParseListenAddress("h:65536", 8080).ok());
  EXPECT_FALSE(ParseListenAddress("h:-1", 8080).ok());
}

TEST(DsnTest, FormatDsnReadsBackAsTheSameConfig) {
  auto config = sql::ParseDsn("mysql://a%40b:p%3As%2Fw@h1:3306,[::1]:3308/cases?socket=/t/s.sock");
  ASSERT_TRUE(config.ok()) << config.status();
  auto again = sql::ParseDsn(sql::FormatDsn(*config));
  ASSERT_TRUE(again.ok()) << sql::FormatDsn(*config);
  EXPECT_EQ(again->user, "a@b");
  EXPECT_EQ(again->password, "p:s/w");
  EXPECT_EQ(again->hosts, config->hosts);
  EXPECT_EQ(again->socket, "/t/s.sock");
  EXPECT_EQ(sql::RedactedDsn(*config),
            "mysql://a%40b:***@h1:3306,[::1]:3308/cases?socket=/t/s.sock");
}

TEST(DsnTest, RedactedDsnHidesPassword) {
  auto config = sql::ParseDsn("mysql://app:secret@h/d");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(sql::RedactedDsn(*config).find("secret"), std::string::npos);
}

TEST(JsonTest, ListsAndMapsReadBackWithQuotesControlsAndUnicode) {
  const std::vector<std::string> list = {"phishing", "a \"quoted\" \\ tag", "tab\tnew\nline\x01",
                                         "caf\xc3\xa9 \xe2\x9c\x93", ""};
  EXPECT_EQ(ListFromJson(JsonFromList(list)), list);
  const std::map<std::string, std::string> map = {{"host", "srv-01"}, {"k\"ey", "v\\al\nue"}};
  EXPECT_EQ(MapFromJson(JsonFromMap(map)), map);
  EXPECT_EQ(JsonFromList({}), "[]");
  EXPECT_EQ(JsonFromMap({}), "{}");
}

TEST(JsonTest, ReadersTakeStringsOfTheRightShapeAndNothingElse) {
  EXPECT_EQ(ListFromJson(R"(["a", 1, null, {"b": "c"}, "d"])"),
            (std::vector<std::string>{"a", "d"}));
  EXPECT_EQ(MapFromJson(R"({"a": "x", "n": 2, "o": {}})"),
            (std::map<std::string, std::string>{{"a", "x"}}));
  EXPECT_TRUE(ListFromJson(R"({"a": "x"})").empty());
  EXPECT_TRUE(MapFromJson(R"(["a"])").empty());
  EXPECT_TRUE(ListFromJson("[\"unterminated").empty());
  EXPECT_TRUE(MapFromJson("").empty());
  // The \u escapes MariaDB's JSON functions may write read as the characters.
  EXPECT_EQ(ListFromJson(R"(["caf\u00e9"])"), (std::vector<std::string>{"caf\xc3\xa9"}));
}

TEST(DbTimeTest, FormatsAndParsesAsAbslDoesAcrossTheRange) {
  std::mt19937_64 rng(7);
  const absl::Time lo = absl::FromCivil(absl::CivilSecond(1, 1, 1, 0, 0, 0), absl::UTCTimeZone());
  const int64_t span = absl::ToInt64Microseconds(sql::NoDeadline() - lo);
  for (int i = 0; i < 20000; ++i) {
    const absl::Time t = lo + absl::Microseconds(static_cast<int64_t>(rng() % span));
    const std::string text = sql::FormatDbTime(t);
    ASSERT_EQ(text, absl::FormatTime("%Y-%m-%d %H:%M:%E6S", t, absl::UTCTimeZone()));
    ASSERT_EQ(sql::ParseDbTime(text), t) << text;
  }
  const absl::Time before_epoch = absl::FromUnixMicros(-1);
  EXPECT_EQ(sql::FormatDbTime(before_epoch), "1969-12-31 23:59:59.999999");
  EXPECT_EQ(sql::ParseDbTime("1969-12-31 23:59:59.999999"), before_epoch);
}

TEST(DbTimeTest, ReadsTheShapesTheConnectorWritesAndRefusesOthers) {
  const absl::Time t =
      absl::FromCivil(absl::CivilSecond(2026, 12, 6, 21, 5, 9), absl::UTCTimeZone());
  EXPECT_EQ(sql::ParseDbTime("2026-12-06 21:05:09"), t);
  EXPECT_EQ(sql::ParseDbTime("2026-12-06 21:05:09.5"), t + absl::Milliseconds(500));
  EXPECT_EQ(sql::ParseDbTime("2026-12-06 21:05:09.000123"), t + absl::Microseconds(123));
  EXPECT_EQ(sql::ParseDbTime("2026-12-06 21:05:09.000000001"), t + absl::Nanoseconds(1));
  EXPECT_EQ(sql::ParseDbTime("9999-12-31 00:00:00.000000"), sql::NoDeadline());
  for (const char* bad :
       {"", "2026-12-06", "2026-13-06 21:05:09", "2026-02-30 21:05:09", "2026-12-06 24:05:09",
        "2026-12-06T21:05:09", "2026-12-06 21:05:09.", "2026-12-06 21:05:09.x",
        "2026-12-06 21:05:0x", "garbage of length 19+"}) {
    EXPECT_EQ(sql::ParseDbTime(bad), absl::InfinitePast()) << bad;
  }
}

TEST(IdsTest, NewIdsAreVersion7AndRoundTrip) {
  const std::string bytes = NewIdBytes();
  ASSERT_EQ(bytes.size(), 16u);
  EXPECT_EQ(static_cast<unsigned char>(bytes[6]) >> 4, 7);
  EXPECT_EQ(static_cast<unsigned char>(bytes[8]) >> 6, 2);
  const std::string text = IdToText(bytes);
  EXPECT_EQ(text.size(), 36u);
  EXPECT_EQ(IdFromText(text), bytes);
}

TEST(IdsTest, IdsSortByCreationTime) {
  const std::string earlier = NewIdBytes(absl::FromUnixMillis(1000));
  const std::string later = NewIdBytes(absl::FromUnixMillis(1001));
  EXPECT_LT(earlier, later);
}

// The change feed's ids: UUIDv7s whose time and rand_a carry a tenant's counter bits,
// so comparing ids compares the counter (sql/activities.h).
TEST(IdsTest, ActivityIdsAreVersion7AndSortByTheirCounterBits) {
  const int64_t bits = (absl::ToUnixMillis(absl::Now()) << 12) | 0xabc;
  const std::string id =
      sql::ActivityIdOf(bits, std::string("\x80\x01\x02\x03\x04\x05\x06\x07", 8));
  ASSERT_EQ(id.size(), 16u);
  EXPECT_EQ(static_cast<unsigned char>(id[6]) >> 4, 7);
  EXPECT_EQ(static_cast<unsigned char>(id[8]) >> 6, 2);
  EXPECT_EQ(sql::ActivityBitsOf(id), bits);
  const std::string tail_high(8, '\xff'), tail_low("\x80\0\0\0\0\0\0\0", 8);
  EXPECT_LT(sql::ActivityIdOf(bits, tail_high), sql::ActivityIdOf(bits + 1, tail_low));
  EXPECT_LT(sql::ActivityIdOf(bits | 0xfff, tail_high),
            sql::ActivityIdOf((bits | 0xfff) + 1, tail_low));
}

TEST(IdsTest, RejectsNonCanonicalText) {
  const std::string text = NewIdText();
  std::string upper = text;
  upper[0] = 'A';
  EXPECT_FALSE(IdFromText(upper).has_value());
  EXPECT_FALSE(IdFromText(text.substr(1)).has_value());
  EXPECT_FALSE(IdFromText("-").has_value());
  std::string moved_dash = text;
  std::swap(moved_dash[8], moved_dash[9]);
  EXPECT_FALSE(IdFromText(moved_dash).has_value());
}

TEST(ErrorsTest, ViolationsCarryEveryField) {
  Violations v;
  v.Add("case.display_name", "too long");
  v.Add("case.severity", "required");
  absl::Status status = v.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  auto payload = status.GetPayload(kBadRequestUrl);
  ASSERT_TRUE(payload.has_value());
  google::rpc::BadRequest bad;
  ASSERT_TRUE(bad.ParseFromString(std::string(*payload)));
  ASSERT_EQ(bad.field_violations_size(), 2);
  EXPECT_EQ(bad.field_violations(1).field(), "case.severity");
}

TEST(ErrorsTest, AnItemsErrorNamesTheItemInFieldsMetadataAndMessage) {
  absl::Status bad = ForItem(InvalidField("case.etag", "stale"), "requests[7]");
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.message(), "requests[7]: case.etag: stale");
  google::rpc::BadRequest violations;
  ASSERT_TRUE(violations.ParseFromString(std::string(*bad.GetPayload(kBadRequestUrl))));
  EXPECT_EQ(violations.field_violations(0).field(), "requests[7].case.etag");

  absl::Status aborted = ForItem(
      ErrorWithReason(absl::StatusCode::kAborted, "ETAG_MISMATCH", "changed", {{"etag", "3"}}),
      "requests[2]");
  EXPECT_EQ(ErrorReason(aborted), "ETAG_MISMATCH");
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(info.ParseFromString(std::string(*aborted.GetPayload(kErrorInfoUrl))));
  EXPECT_EQ(info.metadata().at("item"), "requests[2]");
  EXPECT_EQ(info.metadata().at("etag"), "3");

  const absl::Status lone = absl::NotFoundError("x");
  EXPECT_EQ(ForItem(lone, ""), lone) << "a lone request's error is left as it is";
}

TEST(ErrorsTest, NoViolationsIsOk) { EXPECT_TRUE(Violations().ToStatus().ok()); }

TEST(ErrorsTest, ReasonRoundTrips) {
  absl::Status status = ErrorWithReason(absl::StatusCode::kPermissionDenied, "LICENSE_REQUIRED",
                                        "needs XDR", {{"product", "PRODUCT_XDR"}});
  EXPECT_EQ(ErrorReason(status), "LICENSE_REQUIRED");
  EXPECT_EQ(ErrorReason(absl::InternalError("x")), "");
}

TEST(PageTokenTest, AnAlteredTokenIsRefusedNotAnotherPage) {
  const std::string fingerprint = QueryFingerprint({"ListCases", "tenants/x"});
  const std::string token = EncodePageToken(fingerprint, {"2026-01-01 00:00:00.000000", "id-7"});
  auto key = DecodePageToken(token, fingerprint);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->at(1), "id-7");
  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &raw));
  for (size_t i = 0; i < raw.size(); ++i) {
    std::string altered = raw;
    altered[i] = static_cast<char>(altered[i] ^ 0x01);
    EXPECT_EQ(DecodePageToken(absl::WebSafeBase64Escape(altered), fingerprint).status().code(),
              absl::StatusCode::kInvalidArgument)
        << "byte " << i;
  }
}

TEST(PageTokenTest, TokensHoldAcrossProcessesThatShareTheKey) {
  const std::string fingerprint = QueryFingerprint({"ListCases", "tenants/x"});
  SetPageTokenKey("replica-shared-key-0123456789");
  const std::string token = EncodePageToken(fingerprint, {"k"});
  SetPageTokenKey("another-key-of-another-cluster");
  EXPECT_EQ(DecodePageToken(token, fingerprint).status().code(),
            absl::StatusCode::kInvalidArgument);
  SetPageTokenKey("replica-shared-key-0123456789");
  EXPECT_TRUE(DecodePageToken(token, fingerprint).ok());
}

TEST(MigrationSplitTest, SplitsOnSemicolonsOutsideQuotesAndComments) {
  auto statements = sql::SplitStatements(
      "-- a comment; with a semicolon\nCREATE TABLE a (x INT);\n"
      "INSERT INTO a VALUES (';');\n\n  ");
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[0], "CREATE TABLE a (x INT)");
  EXPECT_EQ(statements[1], "INSERT INTO a VALUES (';')");
}

TEST(MigrationSplitTest, EmbeddedMigrationsAreNumberedInOrder) {
  const auto& all = sql::AllMigrations();
  ASSERT_FALSE(all.empty());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].version, static_cast<int>(i) + 1) << all[i].name;
    EXPECT_STRNE(all[i].name, "");
  }
}

}  // namespace
}  // namespace cases
