// The AIP-160 filter subset and its compilation to SQL conditions.
#include "common/filter.h"

#include <gtest/gtest.h>

#include "common/errors.h"
#include "google/rpc/error_details.pb.h"
#include "soc/cases/v1/common.pb.h"
#include "sql/list_query.h"

namespace cases {
namespace {

namespace v1 = ::soc::cases::v1;

std::string Description(const absl::Status& status) {
  auto payload = status.GetPayload(kBadRequestUrl);
  google::rpc::BadRequest bad;
  if (!payload || !bad.ParseFromString(std::string(*payload)) || bad.field_violations_size() == 0) {
    return "";
  }
  EXPECT_EQ(bad.field_violations(0).field(), "filter");
  return bad.field_violations(0).description();
}

const std::vector<sql::FilterField>& Fields() {
  static const auto* fields = new std::vector<sql::FilterField>{
      {"severity", "severity", sql::FieldType::kEnum, v1::Severity_descriptor()},
      {"assignee", "assignee", sql::FieldType::kString},
      {"number", "number", sql::FieldType::kInt},
      {"create_time", "create_time", sql::FieldType::kTime},
      {"case", "case_id", sql::FieldType::kResource, nullptr, "cases", true}};
  return *fields;
}

TEST(FilterTest, EmptyFilterIsNoCondition) {
  auto c = sql::CompileFilter(Fields(), "   ");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->sql, "");
}

TEST(FilterTest, OrBindsTighterThanAnd) {
  auto c = sql::CompileFilter(Fields(), "number = 1 AND number = 2 OR number = 3");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->sql, "(number = ? AND (number = ? OR number = ?))");
  ASSERT_EQ(c->params.size(), 3u);
}

TEST(FilterTest, JuxtapositionIsAnd) {
  auto c = sql::CompileFilter(Fields(), "number > 1 number < 9");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->sql, "(number > ? AND number < ?)");
}

TEST(FilterTest, NotMinusAndParentheses) {
  auto c = sql::CompileFilter(Fields(), "NOT (severity = HIGH OR -severity = SEVERITY_LOW)");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->sql, "NOT ((severity = ? OR NOT (severity = ?)))");
  EXPECT_EQ(std::get<int64_t>(c->params[0]), v1::SEVERITY_HIGH);
  EXPECT_EQ(std::get<int64_t>(c->params[1]), v1::SEVERITY_LOW);
}

TEST(FilterTest, ValuesAreParametersNeverSqlText) {
  auto c = sql::CompileFilter(Fields(), "assignee = \"x' OR 1=1 --\"");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->sql, "assignee = ?");
  EXPECT_EQ(std::get<std::string>(c->params[0]), "x' OR 1=1 --");
}

TEST(FilterTest, TimesAndCaseNumbers) {
  auto c =
      sql::CompileFilter(Fields(), "create_time >= \"2026-01-31T00:00:00Z\" AND number <= CASE-12");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(std::get<std::string>(c->params[0]), "2026-01-31 00:00:00.000000");
  EXPECT_EQ(std::get<int64_t>(c->params[1]), 12);
}

TEST(FilterTest, EmptyResourceMeansNone) {
  auto c = sql::CompileFilter(Fields(), "case = \"\"");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->sql, "case_id IS NULL");
}

TEST(FilterTest, UnknownFieldIsNamed) {
  auto c = sql::CompileFilter(Fields(), "severity = HIGH AND colour = red");
  ASSERT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(Description(c.status()).find("unknown field 'colour' at position 20"),
            std::string::npos)
      << Description(c.status());
}

TEST(FilterTest, BadLiteralIsNamed) {
  auto c = sql::CompileFilter(Fields(), "severity = PURPLE");
  ASSERT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(Description(c.status()).find("'PURPLE'"), std::string::npos) << Description(c.status());
  EXPECT_NE(Description(sql::CompileFilter(Fields(), "number = ten").status()).find("'ten'"),
            std::string::npos);
  EXPECT_NE(Description(sql::CompileFilter(Fields(), "create_time > yesterday").status())
                .find("'yesterday'"),
            std::string::npos);
}

TEST(FilterTest, SyntaxErrorsNameTheToken) {
  EXPECT_NE(Description(sql::CompileFilter(Fields(), "severity = HIGH AND").status())
                .find("end of filter"),
            std::string::npos);
  EXPECT_NE(
      Description(sql::CompileFilter(Fields(), "(severity = HIGH").status()).find("missing ')'"),
      std::string::npos);
  EXPECT_NE(Description(sql::CompileFilter(Fields(), "severity HIGH").status()).find("'HIGH'"),
            std::string::npos);
  EXPECT_NE(Description(sql::CompileFilter(Fields(), "severity = HIGH; DROP").status()).find("';'"),
            std::string::npos);
  EXPECT_NE(
      Description(sql::CompileFilter(Fields(), "assignee = \"open").status()).find("unterminated"),
      std::string::npos);
}

TEST(FilterTest, LimitsAreEnforced) {
  std::string deep(40, '(');
  EXPECT_FALSE(sql::CompileFilter(Fields(), deep + "number = 1" + std::string(40, ')')).ok());
  std::string many = "number = 1";
  for (int i = 0; i < 100; ++i) {
    many += " OR number = 1";
  }
  EXPECT_FALSE(sql::CompileFilter(Fields(), many).ok());
  EXPECT_FALSE(sql::CompileFilter(Fields(), std::string(5000, 'a')).ok());
}

TEST(FilterTest, TextComparesOnlyByEquality) {
  EXPECT_FALSE(sql::CompileFilter(Fields(), "assignee > bob").ok());
  EXPECT_TRUE(sql::CompileFilter(Fields(), "assignee:bob").ok());
}

}  // namespace
}  // namespace cases
