// ActivityService on real servers: the transactional outbox (every committed change
// has its activity, a rolled-back one never does, grouped creates and rule-made
// cases included), the feed's order, filters and visibility, retention, and
// StreamActivities across two replicas with resume.
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "sql/activities.h"
#include "tests/integration/case_service_fixture.h"

namespace cases::testing {
namespace {

class ActivityTest : public CaseServiceTest {
 protected:
  explicit ActivityTest(std::vector<std::string> flags = {}) : CaseServiceTest(std::move(flags)) {}

  // Every activity of `parent` that `filter` selects, oldest first, page by page.
  std::vector<v1::Activity> Feed(const std::string& parent, const std::string& filter = "",
                                 const std::string& token = "", int page_size = 7) {
    std::vector<v1::Activity> out;
    v1::ListActivitiesRequest request;
    request.set_parent(parent);
    request.set_filter(filter);
    request.set_page_size(page_size);
    while (true) {
      v1::ListActivitiesResponse response;
      grpc::Status s = world_.stubs().activities->ListActivities(
          World::Context(token.empty() ? admin_ : token).get(), request, &response);
      EXPECT_TRUE(s.ok()) << s.error_message();
      out.insert(out.end(), response.activities().begin(), response.activities().end());
      if (!s.ok() || response.next_page_token().empty()) {
        return out;
      }
      request.set_page_token(response.next_page_token());
    }
  }

  static std::vector<v1::ActivityType> Types(const std::vector<v1::Activity>& feed) {
    std::vector<v1::ActivityType> out;
    for (const auto& a : feed) {
      out.push_back(a.type());
    }
    return out;
  }

  static std::vector<std::string> Names(const std::vector<v1::Activity>& feed) {
    std::vector<std::string> out;
    for (const auto& a : feed) {
      out.push_back(a.name());
    }
    return out;
  }

  std::unique_ptr<grpc::ClientContext> StreamContext(const std::string& token,
                                                     absl::Duration deadline) {
    auto context = World::Context(token);
    context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline));
    return context;
  }

  // Reads up to `n` activities (fewer when the stream ends first).
  static std::vector<v1::Activity> Read(grpc::ClientReader<v1::Activity>* reader, size_t n) {
    std::vector<v1::Activity> out;
    v1::Activity a;
    while (out.size() < n && reader->Read(&a)) {
      out.push_back(a);
    }
    return out;
  }
};

using ::testing::ElementsAre;

TEST_F(ActivityTest, EveryChangeOfACaseIsInTheFeedInCommitOrderWithTheCaseAfterIt) {
  v1::Case c = MustCreate(NewCase());
  v1::Case out;
  c.set_assignee("erin");
  ASSERT_TRUE(Update(c, {"assignee"}, &out).ok());
  out.set_status(v1::CASE_STATUS_RESOLVED);
  out.set_close_reason(v1::CLOSE_REASON_LOW_RISK);
  ASSERT_TRUE(Update(out, {"status", "close_reason"}, &out).ok());
  out.set_status(v1::CASE_STATUS_INVESTIGATING);
  ASSERT_TRUE(Update(out, {"status"}, &out).ok());
  v1::CreateCaseNoteRequest note;
  note.set_parent(c.name());
  note.mutable_note()->set_body("Looked at the VPN logs.");
  v1::CaseNote created_note;
  ASSERT_TRUE(
      world_.stubs().cases->CreateCaseNote(World::Context(admin_).get(), note, &created_note).ok());
  v1::DeleteCaseRequest remove;
  remove.set_name(c.name());
  google::protobuf::Empty empty;
  ASSERT_TRUE(world_.stubs().cases->DeleteCase(World::Context(admin_).get(), remove, &empty).ok());

  const std::vector<v1::Activity> feed =
      Feed(tenant_, absl::StrCat("resource = \"", c.name(), "\""));
  EXPECT_THAT(Types(feed),
              ElementsAre(v1::ACTIVITY_TYPE_CASE_CREATED, v1::ACTIVITY_TYPE_CASE_UPDATED,
                          v1::ACTIVITY_TYPE_CASE_RESOLVED, v1::ACTIVITY_TYPE_CASE_REOPENED,
                          v1::ACTIVITY_TYPE_CASE_NOTE_ADDED, v1::ACTIVITY_TYPE_CASE_DELETED));
  ASSERT_EQ(feed.size(), 6u);
  for (size_t i = 0; i < feed.size(); ++i) {
    EXPECT_EQ(feed[i].resource(), c.name());
    EXPECT_EQ(feed[i].actor(), "alice");
    EXPECT_TRUE(absl::StartsWith(feed[i].name(), tenant_ + "/activities/")) << feed[i].name();
    EXPECT_EQ(feed[i].tenant_display_name(), feed[0].tenant_display_name());
    if (i > 0) {
      EXPECT_LT(feed[i - 1].name(), feed[i].name());
    }
    // The id the database built from the tenant's counter is a UUIDv7 (version 7, RFC
    // variant) whose counter bits grow with each commit.
    const std::optional<std::string> id =
        IdFromText(feed[i].name().substr(feed[i].name().rfind('/') + 1));
    ASSERT_TRUE(id.has_value()) << feed[i].name();
    EXPECT_EQ(static_cast<unsigned char>((*id)[6]) >> 4, 7);
    EXPECT_EQ(static_cast<unsigned char>((*id)[8]) >> 6, 2);
    if (i > 0) {
      const std::string previous =
          *IdFromText(feed[i - 1].name().substr(feed[i - 1].name().rfind('/') + 1));
      EXPECT_GT(sql::ActivityBitsOf(*id), sql::ActivityBitsOf(previous));
    }
  }
  EXPECT_EQ(feed[0].case_().assignee(), "");
  EXPECT_EQ(feed[1].case_().assignee(), "erin");
  ASSERT_EQ(feed[1].changes_size(), 1);
  EXPECT_EQ(feed[1].changes(0).field(), "assignee");
  EXPECT_EQ(feed[1].changes(0).new_value(), "erin");
  EXPECT_EQ(feed[2].case_().status(), v1::CASE_STATUS_RESOLVED);
  EXPECT_EQ(feed[3].case_().status(), v1::CASE_STATUS_INVESTIGATING);
  EXPECT_EQ(feed[4].changes(0).new_value(), "Looked at the VPN logs.");
  // The removed case as it stood before the removal.
  EXPECT_EQ(feed[5].case_().name(), c.name());
  EXPECT_EQ(feed[5].case_().etag(), feed[4].case_().etag());
}

TEST_F(ActivityTest, RefusedAndRolledBackChangesWriteNoActivity) {
  v1::Case c = MustCreate(NewCase());
  const size_t before = Feed(tenant_).size();
  ASSERT_GT(before, 0u);
  v1::Case out;
  v1::Case stale = c;
  stale.set_etag("999");
  stale.set_assignee("mallory");
  EXPECT_THAT(Update(stale, {"assignee"}, &out),
              StatusIs(grpc::StatusCode::ABORTED, "ETAG_MISMATCH"));
  // A batch whose second item fails rolls back its first.
  v1::BatchUpdateCasesRequest batch;
  batch.set_parent(tenant_);
  auto* first = batch.add_requests();
  *first->mutable_case_() = c;
  first->mutable_case_()->set_assignee("bob");
  first->mutable_update_mask()->add_paths("assignee");
  auto* second = batch.add_requests();
  second->mutable_case_()->set_name(tenant_ + "/cases/" + NewIdText());
  second->mutable_case_()->set_assignee("bob");
  second->mutable_update_mask()->add_paths("assignee");
  v1::BatchUpdateCasesResponse response;
  EXPECT_EQ(world_.stubs()
                .cases->BatchUpdateCases(World::Context(admin_).get(), batch, &response)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  // A create naming a queue that does not exist.
  v1::Case bad = NewCase();
  bad.set_queue(tenant_ + "/queues/" + NewIdText());
  EXPECT_FALSE(Create(bad, &out).ok());
  EXPECT_EQ(Feed(tenant_).size(), before);
}

TEST_F(ActivityTest, CreatesCommittedTogetherEachHaveTheirActivity) {
  constexpr int kCreates = 40;
  std::vector<std::thread> threads;
  std::vector<std::string> created(kCreates);
  for (int i = 0; i < kCreates; ++i) {
    threads.emplace_back([&, i] {
      v1::Case out;
      if (Create(NewCase(absl::StrCat("Grouped ", i)), &out).ok()) {
        created[i] = out.name();
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  std::set<std::string> resources;
  for (const auto& a : Feed(tenant_, "type = ACTIVITY_TYPE_CASE_CREATED", "", 1000)) {
    resources.insert(a.resource());
  }
  EXPECT_EQ(resources, std::set<std::string>(created.begin(), created.end()));
}

TEST_F(ActivityTest, IngestRecordsNewAlertsAndConversionRecordsTheAlertAndItsCase) {
  Ingest({{"edr-1", v1::PRODUCT_XDR}, {"edr-2", v1::PRODUCT_XDR}}, "lsass");
  std::vector<v1::Activity> alerts = Feed(tenant_, "type = ACTIVITY_TYPE_ALERT_CREATED");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].alert().alert_key(), "lsass");
  EXPECT_EQ(alerts[0].alert().detection_count(), 2);
  v1::ConvertAlertToCaseRequest convert;
  convert.set_alert(alerts[0].resource());
  convert.mutable_case_()->set_priority(v1::PRIORITY_HIGH);
  v1::Case converted;
  ASSERT_TRUE(world_.stubs()
                  .cases->ConvertAlertToCase(World::Context(admin_).get(), convert, &converted)
                  .ok());
  std::vector<v1::Activity> after = Feed(tenant_,
                                         "type = ACTIVITY_TYPE_ALERT_CONVERTED OR "
                                         "type = ACTIVITY_TYPE_CASE_CREATED");
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].case_().name(), converted.name());
  EXPECT_EQ(after[1].alert().case_(), converted.name());
  // Re-ingesting the same detections creates nothing, so records nothing.
  Ingest({{"edr-1", v1::PRODUCT_XDR}}, "lsass");
  EXPECT_EQ(Feed(tenant_, "type = ACTIVITY_TYPE_ALERT_CREATED").size(), 1u);
}

TEST_F(ActivityTest, FiltersNarrowByTypeResourcePrefixAndTimeAndRefuseUnknownFields) {
  v1::Case a = MustCreate(NewCase("First"));
  v1::Case b = MustCreate(NewCase("Second"));
  v1::Case out;
  a.set_assignee("erin");
  ASSERT_TRUE(Update(a, {"assignee"}, &out).ok());
  EXPECT_EQ(
      Feed(tenant_, absl::StrCat("resource = \"", a.name().substr(0, a.name().size() - 4), "*\""))
          .size(),
      2u);
  EXPECT_EQ(Feed(tenant_, absl::StrCat("resource = \"", tenant_,
                                       "/cases/*\" AND type != "
                                       "ACTIVITY_TYPE_CASE_UPDATED"))
                .size(),
            2u);
  EXPECT_EQ(
      Feed(tenant_, absl::StrCat("create_time > \"",
                                 absl::FormatTime(absl::RFC3339_full, absl::Now() + absl::Hours(1),
                                                  absl::UTCTimeZone()),
                                 "\""))
          .size(),
      0u);
  v1::ListActivitiesRequest request;
  request.set_parent(tenant_);
  request.set_filter("color = \"red\"");
  v1::ListActivitiesResponse response;
  grpc::Status s =
      world_.stubs().activities->ListActivities(World::Context(admin_).get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(s), ElementsAre("filter"));
}

TEST_F(ActivityTest, ReadersSeeOnlyWhatTheyMayReadAndPartnersSeeTheirTenants) {
  MustCreate(NewCase("Self managed"));
  const v1::ServiceRequest sr = MustOpenMdrRequest("Please look at host-17");
  ASSERT_FALSE(sr.name().empty());
  const std::string mdr = world_.Token("MDR_ANALYST", world_.provider, "mdr");
  std::vector<v1::Activity> seen = Feed("tenants/-", "", mdr);
  std::set<v1::ActivityType> types;
  for (const auto& a : seen) {
    types.insert(a.type());
    EXPECT_NE(a.type(), v1::ACTIVITY_TYPE_CASE_CREATED) << a.resource();
  }
  EXPECT_EQ(types.count(v1::ACTIVITY_TYPE_SERVICE_REQUEST_CREATED), 1u);
  // The tenant's admin sees both; the main partner's admin sees them under tenants/-.
  EXPECT_EQ(Feed(tenant_,
                 "type = ACTIVITY_TYPE_CASE_CREATED OR type = "
                 "ACTIVITY_TYPE_SERVICE_REQUEST_CREATED")
                .size(),
            2u);
  const std::string partner = world_.Token("PARTNER_ADMIN", world_.main_partner, "pat");
  std::set<std::string> partner_seen;
  for (const auto& a : Feed("tenants/-", "", partner, 1000)) {
    partner_seen.insert(a.resource());
  }
  EXPECT_EQ(partner_seen.count(sr.name()), 1u);
  // Another partner's admin reaches none of it.
  const std::string foreign = world_.Token("PARTNER_ADMIN", world_.foreign_partner, "eve");
  for (const auto& a : Feed("tenants/-", "", foreign, 1000)) {
    EXPECT_FALSE(absl::StartsWith(a.resource(), tenant_)) << a.resource();
  }
  v1::ListActivitiesRequest list;
  list.set_parent(tenant_);
  v1::ListActivitiesResponse response;
  EXPECT_THAT(
      world_.stubs().activities->ListActivities(World::Context(foreign).get(), list, &response),
      StatusIs(grpc::StatusCode::PERMISSION_DENIED, "TENANT_NOT_REACHABLE"));
}

TEST_F(ActivityTest, NewTenantsAndLicencesAreInTheParentsAndTheTenantsFeeds) {
  const std::string tenant =
      world_.CreateTenant(world_.main_partner, v1::TENANT_KIND_TENANT, "Initech");
  world_.InstallLicense(tenant, "PRODUCT_XDR");
  const std::string partner = world_.Token("PARTNER_SUPER_ADMIN", world_.main_partner, "pat");
  std::vector<v1::Activity> mine =
      Feed(world_.main_partner, "type = ACTIVITY_TYPE_TENANT_CREATED", partner);
  ASSERT_FALSE(mine.empty());
  EXPECT_EQ(mine.back().tenant().name(), tenant);
  EXPECT_EQ(mine.back().tenant().display_name(), "Initech");
  std::vector<v1::Activity> licences =
      Feed(tenant, "type = ACTIVITY_TYPE_LICENSE_INSTALLED", world_.Token("TENANT_ADMIN", tenant));
  ASSERT_EQ(licences.size(), 1u);
  EXPECT_EQ(licences[0].license().product(), v1::PRODUCT_XDR);
}

TEST_F(ActivityTest, AStreamGivesTheBacklogThenLiveChangesFromAnotherReplicaAndResumesExactly) {
  v1::Case first = MustCreate(NewCase("Before the stream"));
  const std::string start = Feed(tenant_).back().name();
  MustCreate(NewCase("In the backlog"));
  auto replica = world_.StartReplica();
  ASSERT_TRUE(replica->started());
  Stubs second(replica->Channel());

  v1::StreamActivitiesRequest request;
  request.set_parent(tenant_);
  request.set_start_after(start);
  auto context = StreamContext(admin_, absl::Seconds(30));
  auto reader = second.activities->StreamActivities(context.get(), request);
  std::vector<v1::Activity> got = Read(reader.get(), 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].case_().display_name(), "In the backlog");

  // Writers on both replicas, while the stream reads from the second.
  std::thread writer([&] {
    for (int i = 0; i < 20; ++i) {
      v1::Case out;
      EXPECT_TRUE(Create(NewCase(absl::StrCat("Live ", i)), &out).ok());
    }
  });
  std::vector<v1::Activity> live = Read(reader.get(), 10);
  context->TryCancel();
  writer.join();
  ASSERT_EQ(live.size(), 10u);
  got.insert(got.end(), live.begin(), live.end());

  // Resume after the last one received: the rest, nothing twice, nothing missing.
  request.set_start_after(got.back().name());
  auto resumed_context = StreamContext(admin_, absl::Seconds(30));
  auto resumed = world_.stubs().activities->StreamActivities(resumed_context.get(), request);
  std::vector<v1::Activity> rest = Read(resumed.get(), 10);
  resumed_context->TryCancel();
  got.insert(got.end(), rest.begin(), rest.end());
  std::vector<v1::Activity> feed = Feed(tenant_);
  std::vector<std::string> want;
  for (const auto& a : feed) {
    if (a.name() > start) {
      want.push_back(a.name());
    }
  }
  EXPECT_EQ(Names(got), want);
}

TEST_F(ActivityTest, AStreamBehindTheBufferEndsWithWhereToResumeAndResumingLosesNothing) {
  MustCreate(NewCase("Before the stream"));
  const std::string start = Feed(tenant_).back().name();
  // A replica whose streams may fall 4 activities behind; the writes go to the
  // first, so the replica's poller takes them in bursts larger than that.
  auto replica = world_.StartReplica({"--stream_buffer=4"});
  ASSERT_TRUE(replica->started());
  Stubs second(replica->Channel());
  v1::StreamActivitiesRequest request;
  request.set_parent(tenant_);
  request.set_start_after(start);
  auto context = StreamContext(admin_, absl::Seconds(30));
  auto reader = second.activities->StreamActivities(context.get(), request);
  for (int i = 0; i < 60; ++i) {
    MustCreate(NewCase(absl::StrCat("Burst ", i)));
  }
  std::vector<v1::Activity> got = Read(reader.get(), 1000);
  grpc::Status ended = reader->Finish();
  ASSERT_THAT(ended, StatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED, "STREAM_BEHIND"));
  ASSERT_LT(got.size(), 60u);
  // Where to resume: the last activity given, or the start when none was.
  const std::string resume_after = GrpcErrorMetadata(ended)["resume_after"];
  EXPECT_EQ(resume_after, got.empty() ? start : got.back().name());

  request.set_start_after(resume_after);
  auto resumed_context = StreamContext(admin_, absl::Seconds(30));
  auto resumed = world_.stubs().activities->StreamActivities(resumed_context.get(), request);
  std::vector<v1::Activity> rest = Read(resumed.get(), 60 - got.size());
  resumed_context->TryCancel();
  got.insert(got.end(), rest.begin(), rest.end());
  std::vector<std::string> want;
  for (const auto& a : Feed(tenant_)) {
    if (a.name() > start) {
      want.push_back(a.name());
    }
  }
  EXPECT_EQ(Names(got), want);
}

TEST_F(ActivityTest, AFilteredStreamAcrossTenantsShowsOnlyWhatTheFilterAndReachSelect) {
  const std::string partner = world_.Token("PARTNER_ADMIN", world_.main_partner, "pat");
  v1::Case c = MustCreate(NewCase("Watched"));
  v1::StreamActivitiesRequest request;
  request.set_parent("tenants/-");
  request.set_filter("type = ACTIVITY_TYPE_CASE_UPDATED");
  // Resuming after the create: the updates arrive whether they commit before the
  // stream subscribes (its backlog) or after (live).
  request.set_start_after(Feed(tenant_).back().name());
  auto context = StreamContext(partner, absl::Seconds(30));
  auto reader = world_.stubs().activities->StreamActivities(context.get(), request);
  // Changes in a tenant the partner does not reach must not show.
  const std::string foreign = world_.foreign_customer[Licence::kPresent];
  v1::CreateCaseRequest elsewhere;
  elsewhere.set_parent(foreign);
  *elsewhere.mutable_case_() = NewCase("Elsewhere");
  v1::Case other;
  ASSERT_TRUE(world_.stubs()
                  .cases
                  ->CreateCase(World::Context(world_.Token("TENANT_ADMIN", foreign)).get(),
                               elsewhere, &other)
                  .ok());
  v1::Case out = c;
  for (int i = 0; i < 3; ++i) {
    other.set_assignee(absl::StrCat("analyst-", i));
    ASSERT_TRUE(Update(other, {"assignee"}, &other, world_.Token("TENANT_ADMIN", foreign)).ok());
    out.set_assignee(absl::StrCat("analyst-", i));
    ASSERT_TRUE(Update(out, {"assignee"}, &out).ok());
  }
  std::vector<v1::Activity> got = Read(reader.get(), 3);
  context->TryCancel();
  ASSERT_EQ(got.size(), 3u);
  for (const auto& a : got) {
    EXPECT_EQ(a.type(), v1::ACTIVITY_TYPE_CASE_UPDATED);
    EXPECT_EQ(a.resource(), c.name());
  }
}

TEST_F(ActivityTest, StartAfterMustNameAnActivityOfTheStreamedTenant) {
  v1::StreamActivitiesRequest request;
  request.set_parent(tenant_);
  request.set_start_after(world_.customer[Licence::kAbsent] + "/activities/" + NewIdText());
  auto context = StreamContext(admin_, absl::Seconds(10));
  auto reader = world_.stubs().activities->StreamActivities(context.get(), request);
  v1::Activity a;
  EXPECT_FALSE(reader->Read(&a));
  grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(s), ElementsAre("start_after"));
}

class ActivityRetentionTest : public ActivityTest {
 protected:
  ActivityRetentionTest()
      : ActivityTest({"--activity_retention=2s", "--retention_interval=500ms"}) {}
};

TEST_F(ActivityRetentionTest, ActivitiesOlderThanTheRetentionArePurged) {
  MustCreate(NewCase());
  ASSERT_FALSE(Feed(tenant_).empty());
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (!Feed(tenant_).empty() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_TRUE(Feed(tenant_).empty());
}

}  // namespace
}  // namespace cases::testing
