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

// A list's WHERE across tenants: the shared partner's column, the tenants, then
// what each may show.
sql::ListParams TwoTenantsOfOnePartner() {
  sql::ListParams params;
  params.tenant_ids = {"tenant-a", "tenant-b"};
  params.partner_id = "partner";
  return params;
}

const sql::ListSchema& PartnerSchema() {
  static const auto* schema = new sql::ListSchema{
      "ListCases",
      "cases",
      "case_id",
      Fields(),
      {{"create_time",
        {{"create_time", sql::FieldType::kTime}, {"case_id", sql::FieldType::kResource}}}},
      "create_time desc",
      {"partner_id", "cases_by_partner", "create_time"}};
  return *schema;
}

TEST(ListWhereTest, TenantsOfOnePartnerAreNarrowedToItAndOneArmForAllNeedsNoTenantList) {
  sql::ListParams params = TwoTenantsOfOnePartner();
  params.values = {"type", {{{"tenant-a", "tenant-b"}, {1, 2}}}};
  auto where = sql::ListWhere(PartnerSchema(), params);
  ASSERT_TRUE(where.ok() && where->has_value());
  EXPECT_EQ((*where)->sql, "partner_id = ? AND tenant_id IN (?, ?) AND type IN (?, ?)");
  ASSERT_EQ((*where)->params.size(), 5u);
  EXPECT_EQ(std::get<std::string>((*where)->params[0]), "partner");
  EXPECT_EQ(std::get<std::string>((*where)->params[2]), "tenant-b");
  EXPECT_EQ(std::get<int64_t>((*where)->params[4]), 2);
}

TEST(ListWhereTest, ArmsThatSplitTheTenantsKeepTheirListsAndOneTenantNeedsNoPartner) {
  sql::ListParams params = TwoTenantsOfOnePartner();
  params.values = {"type", {{{"tenant-a"}, {1}}, {{"tenant-b"}, {1, 2}}}};
  auto where = sql::ListWhere(PartnerSchema(), params);
  ASSERT_TRUE(where.ok() && where->has_value());
  EXPECT_EQ((*where)->sql,
            "partner_id = ? AND tenant_id IN (?, ?) AND ((tenant_id IN (?) AND type IN (?)) OR "
            "(tenant_id IN (?) AND type IN (?, ?)))");

  params.tenant_ids = {"tenant-a"};
  params.values = {"type", {{{"tenant-a"}, {1}}}};
  where = sql::ListWhere(PartnerSchema(), params);
  ASSERT_TRUE(where.ok() && where->has_value());
  EXPECT_EQ((*where)->sql, "tenant_id = ? AND type IN (?)");
  // A table without a partner column ignores it.
  sql::ListSchema plain = PartnerSchema();
  plain.partner = {};
  params = TwoTenantsOfOnePartner();
  where = sql::ListWhere(plain, params);
  ASSERT_TRUE(where.ok() && where->has_value());
  EXPECT_EQ((*where)->sql, "tenant_id IN (?, ?)");
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
  // Without a text search in the schema, a word standing alone is refused by name.
  EXPECT_NE(Description(sql::CompileFilter(Fields(), "severity HIGH").status())
                .find("'severity' at position 0 stands alone"),
            std::string::npos);
  EXPECT_NE(
      Description(sql::CompileFilter(Fields(), "severity = HIGH (").status()).find("end of filter"),
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

namespace cases {
namespace {

// The case schema's text search and a facet, on their own.
std::vector<sql::FilterField> SearchFields() {
  std::vector<sql::FilterField> fields = Fields();
  fields.push_back({"", "doc IN (SELECT d FROM t WHERE ", sql::FieldType::kText});
  sql::FilterField technique{"mitre_techniques", "id IN (SELECT id FROM f WHERE ",
                             sql::FieldType::kFacet};
  technique.prefix = true;
  fields.push_back(technique);
  fields.push_back({"tags", "id IN (SELECT id FROM f WHERE ", sql::FieldType::kFacet});
  return fields;
}

TEST(FilterTest, ABareTermIsAFullTextSearchCombinedWithTheOtherTerms) {
  auto c = sql::CompileFilter(SearchFields(), "\"powershell\" AND severity >= HIGH");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->sql,
            "(doc IN (SELECT d FROM t WHERE MATCH(body) AGAINST (? IN BOOLEAN MODE)) AND "
            "severity >= ?)");
  EXPECT_EQ(std::get<std::string>(c->params[0]), "+powershell");
  auto bare = sql::CompileFilter(SearchFields(), "mimi* -quiet");
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_EQ(std::get<std::string>(bare->params[0]), "+mimi*");
  EXPECT_EQ(bare->sql.find("NOT ("), bare->sql.find(" AND ") + 5);  // -quiet is NOT quiet
}

TEST(FilterTest, FullTextOperatorsAndQuotesInATermAreData) {
  // Every word required, every operator dropped: nothing of the term is syntax.
  EXPECT_EQ(*sql::FullTextQuery("-evil +(good) ~\"quoted\" @8 <x> a", 0), "+evil +good +quoted");
  EXPECT_EQ(*sql::FullTextQuery("café* naïve", 0), "+café* +naïve");
  EXPECT_NE(Description(sql::CompileFilter(SearchFields(), "\"** () ab\"").status())
                .find("no word of 3 or more"),
            std::string::npos);
}

TEST(FilterTest, FacetsAreTestedWithHasAndTechniquesMatchTheirSubTechniques) {
  auto c = sql::CompileFilter(SearchFields(), "mitre_techniques:t1059 AND tags:Phishing");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->sql,
            "(id IN (SELECT id FROM f WHERE (value = ? OR value LIKE ?) LIMIT 1) IS NOT NULL AND "
            "id IN (SELECT id FROM f WHERE value = ? LIMIT 1) IS NOT NULL)");
  EXPECT_EQ(std::get<std::string>(c->params[0]), "T1059");
  EXPECT_EQ(std::get<std::string>(c->params[1]), "T1059.%");
  EXPECT_EQ(std::get<std::string>(c->params[2]), "phishing");
  EXPECT_NE(Description(sql::CompileFilter(SearchFields(), "tags = phishing").status())
                .find("tested with : (has)"),
            std::string::npos);
}

TEST(FilterTest, ATextValueEndingInAStarIsAPrefixInSqlAndInMemory) {
  const std::vector<sql::FilterField> fields = {
      {"resource", "resource", sql::FieldType::kString, nullptr, "", false, false, true}};
  auto c = sql::CompileFilter(fields, "resource = \"tenants/t/cases/c_1*\" OR resource != \"x*\"");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->sql, "(resource LIKE ? OR resource NOT LIKE ?)");
  EXPECT_EQ(std::get<std::string>(c->params[0]), "tenants/t/cases/c\\_1%");
  auto f = sql::RowFilter::Compile(fields, "resource = \"tenants/t/cases/c*\"");
  ASSERT_TRUE(f.ok()) << f.status();
  auto of = [](const std::string& resource) {
    return [resource](const sql::FilterField&) -> sql::FieldValue { return resource; };
  };
  EXPECT_TRUE(f->Matches(of("tenants/t/cases/c")));
  EXPECT_TRUE(f->Matches(of("tenants/t/cases/c/notes/n")));
  EXPECT_FALSE(f->Matches(of("tenants/t/alerts/a")));
  auto exact = sql::RowFilter::Compile(fields, "resource = \"tenants/t/cases/c\"");
  ASSERT_TRUE(exact.ok());
  EXPECT_FALSE(exact->Matches(of("tenants/t/cases/c/notes/n")));
}

}  // namespace
}  // namespace cases
