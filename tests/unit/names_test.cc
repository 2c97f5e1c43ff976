// Resource names: made and parsed in one place, parsed against a method's pattern.
#include "common/names.h"

#include <string>
#include <vector>

#include "common/ids.h"
#include "tests/unit/unit_testing.h"

namespace cases {
namespace {

TEST(NamesTest, AChildNameRoundTripsThroughItsPattern) {
  const std::string tenant = NewIdBytes(), id = NewIdBytes();
  const std::string name = ChildName(tenant, "cases", id);
  auto parsed = ParseName(name, "name", "tenants/{tenant}/cases/{case}");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->tenant_id, tenant);
  EXPECT_EQ(parsed->id(), id);
  EXPECT_EQ(LastIdOf(name), id);
  EXPECT_EQ(TenantName(tenant), "tenants/" + IdToText(tenant));
}

TEST(NamesTest, WrongShapesAreInvalidArgumentNamingTheField) {
  const std::string t = IdToText(NewIdBytes()), c = IdToText(NewIdBytes());
  const std::vector<std::string> bad_names = {"tenants/" + t + "/alerts/" + c,
                                              "tenants/" + t + "/cases",
                                              "tenants/" + t + "/cases/" + c + "/x",
                                              "tenants/" + t + "/cases/NOT-AN-ID",
                                              "cases/" + c,
                                              ""};
  for (const std::string& bad : bad_names) {
    auto parsed = ParseName(bad, "case.name", "tenants/{tenant}/cases/{case}");
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find("case.name"), std::string::npos) << parsed.status();
  }
}

TEST(NamesTest, EveryTenantIsOnlyAllowedWhereAskedFor) {
  EXPECT_EQ(ParseName("tenants/-", "parent", "tenants/{tenant}", /*allow_all=*/true)->tenant_id,
            "-");
  EXPECT_FALSE(ParseName("tenants/-", "parent", "tenants/{tenant}").ok());
  EXPECT_FALSE(
      ParseName("tenants/-/cases/x", "parent", "tenants/{tenant}/cases/{case}", true).ok());
}

TEST(NamesTest, NamesInABodyMustBeInTheRequestsTenant) {
  const std::string tenant = NewIdBytes(), other = NewIdBytes(), id = NewIdBytes();
  EXPECT_EQ(
      ParseChildName(ChildName(tenant, "detections", id), "detections[0]", tenant, "detections")
          .value(),
      id);
  auto foreign =
      ParseChildName(ChildName(other, "detections", id), "detections[0]", tenant, "detections");
  EXPECT_EQ(foreign.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cases
