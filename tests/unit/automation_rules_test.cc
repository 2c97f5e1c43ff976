// The pure parts of case rules: the rule filter's fields and its evaluation on a
// detection in memory (the same compiler as ListDetections), template names.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/validation.h"
#include "domain/automation.h"
#include "soc/cases/v1/common.pb.h"

namespace cases::domain {
namespace {

namespace v1 = ::soc::cases::v1;

sql::DetectionRow Detection() {
  sql::DetectionRow d;
  d.product = v1::PRODUCT_XDR;
  d.severity = v1::SEVERITY_HIGH;
  d.title = "Credential Dumping via LSASS";
  d.device = "WS-042";
  d.entity = "alice@example.com";
  d.alert_key = "lsass-ws-042";
  d.mitre_techniques = {"T1003.001", "T1059"};
  return d;
}

// Compiles `filter` as a rule's filter and evaluates it on `d` as ingest does.
bool Matches(const std::string& filter, const sql::DetectionRow& d = Detection()) {
  auto compiled = sql::RowFilter::Compile(RuleFilterFields(), filter);
  EXPECT_TRUE(compiled.ok()) << compiled.status();
  return compiled.ok() && RuleFilterMatches(*compiled, d);
}

TEST(RuleFilterTest, TheFieldsAreListDetectionsOwnForWhatADetectionHasAtIngest) {
  std::vector<std::string> names;
  for (const sql::FilterField& f : RuleFilterFields()) {
    names.push_back(f.name);
  }
  EXPECT_THAT(names, ::testing::UnorderedElementsAre("product", "severity", "title", "device",
                                                     "entity", "mitre_techniques", "alert_key"));
}

TEST(RuleFilterTest, ComparisonsSubstringsAndTechniquesEvaluateOnADetection) {
  EXPECT_TRUE(Matches(""));
  EXPECT_TRUE(Matches("severity >= HIGH"));
  EXPECT_FALSE(Matches("severity = CRITICAL"));
  EXPECT_TRUE(Matches("product = XDR AND title:lsass"));              // `:` on text ignores case
  EXPECT_FALSE(Matches("title = \"credential dumping via lsass\""));  // `=` is exact
  EXPECT_TRUE(Matches("device = \"WS-042\" OR entity:bob"));
  EXPECT_TRUE(Matches("mitre_techniques:T1003"));  // a technique matches its sub-techniques
  EXPECT_TRUE(Matches("mitre_techniques:t1059"));
  EXPECT_FALSE(Matches("mitre_techniques:T100"));  // not a prefix of the number
  EXPECT_FALSE(Matches("NOT mitre_techniques:T1003.001"));
  EXPECT_TRUE(Matches("alert_key = \"lsass-ws-042\" AND -severity = LOW"));
}

TEST(RuleFilterTest, UnknownFieldsBadLiteralsAndTextTermsAreRefusedOnTheRulesField) {
  for (const char* bad :
       {"colour = red", "severity >= EXTREME", "case = \"\"", "\"mimikatz\"", "severity >"}) {
    const absl::Status s = CheckRuleFilter(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(s.message()), ::testing::StartsWith("case_rule")) << bad;
  }
  EXPECT_TRUE(CheckRuleFilter("severity >= HIGH AND mitre_techniques:T1003").ok());
}

TEST(TemplateNameTest, PlaceholdersStandForWordsAndTheRestMustBeAValidName) {
  for (const char* good : {"{title} on {device}", "Auto: {alert_key} ({entity})", "Phishing"}) {
    Violations v;
    CheckTemplateName(v, "t", good);
    EXPECT_TRUE(v.ToStatus().ok()) << good;
  }
  for (const char* bad : {"", "{host}", "{title} / {device}", " {title}"}) {
    Violations v;
    CheckTemplateName(v, "t", bad);
    EXPECT_FALSE(v.ToStatus().ok()) << bad;
  }
}

TEST(TemplateNameTest, TheFilledNameReplacesRefusedCharactersAndIsCut) {
  sql::CaseRuleRow rule;
  rule.display_name = "Rule name";
  rule.template_display_name = "{title} on {device}";
  sql::DetectionRow d = Detection();
  d.title = "Mimikatz <lsass> dump";
  d.device = "host/01";
  EXPECT_EQ(FillTemplateName(rule, d), "Mimikatz -lsass- dump on host-01");
  d.title = std::string(200, 'x');
  EXPECT_EQ(Utf8Length(FillTemplateName(rule, d)), kMaxDisplayNameChars);
  rule.template_display_name = "{device}";
  d.device = "";
  EXPECT_EQ(FillTemplateName(rule, d), "Rule name");  // nothing left: the rule's name
}

TEST(TemplateNameTest, ToDisplayNameKeepsLettersOfAnyScriptAndReplacesInvalidBytes) {
  EXPECT_EQ(ToDisplayName("Zugriff auf Gerät ✓"), "Zugriff auf Gerät -");
  EXPECT_EQ(ToDisplayName(std::string("a\xff") + "b"), "a-b");
  EXPECT_EQ(ToDisplayName("   "), "");
}

}  // namespace
}  // namespace cases::domain
