// The webhook rules without a network: which targets are refused, how the
// signature is formed, and the retry schedule.
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "common/digest.h"
#include "domain/webhook_dispatcher.h"
#include "webhook/sender.h"
#include "webhook/target.h"

namespace cases {
namespace {

TEST(WebhookTargetTest, LoopbackPrivateLinkLocalAndMetadataAddressesAreForbidden) {
  for (const char* a : {"127.0.0.1", "10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.1",
                        "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255",
                        "::1", "::", "fe80::1", "fd00:ec2::254", "fc00::1", "ff02::1",
                        "::ffff:10.0.0.1", "::ffff:127.0.0.1", "not an address"}) {
    EXPECT_TRUE(webhook::IsForbiddenAddress(std::string(a))) << a;
  }
  for (const char* a : {"8.8.8.8", "203.0.113.10", "172.32.0.1", "100.128.0.1",
                        "2001:4860:4860::8888", "::ffff:8.8.8.8"}) {
    EXPECT_FALSE(webhook::IsForbiddenAddress(std::string(a))) << a;
  }
}

TEST(WebhookTargetTest, OnlyAbsoluteHttpsUrisWithoutUserInfoParse) {
  auto t = webhook::ParseUri("https://Hooks.Example.com:8443/cases?x=1", false);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->host, "hooks.example.com");
  EXPECT_EQ(t->port, 8443);
  auto v6 = webhook::ParseUri("https://[2001:db8::1]/x", false);
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "2001:db8::1");
  EXPECT_EQ(v6->port, 443);
  for (const char* bad : {"http://hooks.example.com/", "ftp://x/", "hooks.example.com/x",
                          "https://user:pw@hooks.example.com/", "https:///x", "https://h:0/",
                          "https://h:99999/", "https://h/a b", "https://[::1/"}) {
    EXPECT_FALSE(webhook::ParseUri(bad, false).ok()) << bad;
  }
  EXPECT_TRUE(webhook::ParseUri("http://hooks.example.com/", true).ok());
}

TEST(WebhookTargetTest, PinnedNamesAreCheckedOnTheirPinnedAddress) {
  webhook::Policy policy;
  policy.pinned = {{"hooks.test:443", "10.0.0.1"}, {"public.test:443", "203.0.113.10"}};
  EXPECT_FALSE(webhook::CheckTarget("https://hooks.test/x", policy).ok());
  EXPECT_TRUE(webhook::CheckTarget("https://public.test/x", policy).ok());
  EXPECT_FALSE(webhook::CheckTarget("https://127.0.0.1/x", policy).ok());
  policy.allow_private = true;
  EXPECT_TRUE(webhook::CheckTarget("http://127.0.0.1/x", policy).ok());
  EXPECT_FALSE(webhook::ParsePins({"no-port-here"}).ok());
  auto pins = webhook::ParsePins({"h.example:8443:10.1.2.3"});
  ASSERT_TRUE(pins.ok());
  EXPECT_EQ(pins->at("h.example:8443"), "10.1.2.3");
}

TEST(WebhookSignatureTest, IsHexHmacSha256OfTimeDotBody) {
  const std::string header = webhook::SignatureHeader("s3cret-s3cret-s3cret", 1764864000, "{}");
  EXPECT_EQ(header, "t=1764864000,v1=" + absl::BytesToHexString(
                                             HmacSha256("s3cret-s3cret-s3cret", "1764864000.{}")));
}

TEST(WebhookRetryTest, BackoffStartsAtOneSecondAndDoublesToAnHour) {
  EXPECT_EQ(domain::RetryDelay(0), absl::ZeroDuration());
  EXPECT_EQ(domain::RetryDelay(1), absl::Seconds(1));
  EXPECT_EQ(domain::RetryDelay(2), absl::Seconds(2));
  EXPECT_EQ(domain::RetryDelay(5), absl::Seconds(16));
  EXPECT_EQ(domain::RetryDelay(12), absl::Seconds(2048));
  EXPECT_EQ(domain::RetryDelay(13), absl::Hours(1));
  EXPECT_EQ(domain::RetryDelay(1000), absl::Hours(1));
}

}  // namespace
}  // namespace cases
