// Group commit of case creates and updates (CaseStore + GroupRunner) against the
// real MariaDB: creates and updates queued behind a busy tenant commit as one
// transaction, and a group never changes what any of its callers would have got alone.
#include "sql/case_store.h"

#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/group_runner.h"
#include "common/ids.h"
#include "sql/case_rows.h"
#include "tests/integration/testing.h"

namespace cases {
namespace {

using ::cases::testing::TestDatabase;
using ::cases::testing::WaitFor;

std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

class CaseGroupTest : public ::testing::Test {
 protected:
  CaseGroupTest() : tenant_id_(NewIdBytes()), store_(&db_.pool()) {}

  sql::CaseRow NewRow(const std::string& name, const std::string& queue_id = "") {
    sql::CaseRow row;
    row.tenant_id = tenant_id_;
    row.display_name = name;
    row.type = 1;
    row.severity = 3;
    row.status = 1;
    row.queue_id = queue_id;
    row.creator = "alice";
    return row;
  }

  std::optional<sql::IdempotencyKey> Key(const std::string& request_id, const std::string& body) {
    return sql::IdempotencyKey{tenant_id_, "CreateCase", request_id,
                               std::string(32, body.empty() ? 'x' : body[0])};
  }

  absl::StatusOr<sql::CaseRow> Create(const sql::CaseRow& row,
                                      const std::optional<sql::IdempotencyKey>& key = {}) {
    return store_.Create(
        row, {},
        [](const std::vector<sql::DetectionRow>&, sql::CaseRow*) { return absl::OkStatus(); }, key,
        "alice");
  }

  // Runs `creates` while another transaction holds the tenant's case counter: the
  // first create (a plain one) blocks on it alone, `creates` queue behind it, and
  // when the counter is released they run as the next group. Returns their results.
  std::vector<absl::StatusOr<sql::CaseRow>> RunQueued(
      const std::vector<std::pair<sql::CaseRow, std::optional<sql::IdempotencyKey>>>& creates) {
    std::vector<absl::StatusOr<sql::CaseRow>> results(creates.size(),
                                                      absl::UnknownError("not run"));
    auto holder = db_.pool().Acquire();
    EXPECT_TRUE(holder.ok());
    std::unique_ptr<::sql::Statement> hold(holder->connection().createStatement());
    hold->execute("START TRANSACTION");
    hold->execute(absl::StrCat("INSERT INTO tenant_counters (tenant_id, counter, value) VALUES (X'",
                               Hex(tenant_id_),
                               "', 'cases', 0) ON DUPLICATE KEY UPDATE value = value"));
    std::thread first([&] { EXPECT_TRUE(Create(NewRow("First")).ok()); });
    EXPECT_TRUE(WaitFor([&] {
      return db_.QueryInt(
                 "SELECT COUNT(*) FROM information_schema.processlist WHERE db = DATABASE() "
                 "AND info LIKE 'INSERT INTO tenant_counters%'") == 1;
    }));
    std::vector<std::thread> threads;
    for (size_t i = 0; i < creates.size(); ++i) {
      threads.emplace_back([&, i] { results[i] = Create(creates[i].first, creates[i].second); });
    }
    EXPECT_TRUE(WaitFor([&] {
      return store_.CreateGroupStats().waiting == static_cast<long long>(creates.size());
    }));
    hold->execute("COMMIT");
    first.join();
    for (auto& t : threads) {
      t.join();
    }
    return results;
  }

  long long Count(const std::string& table, const std::string& condition = "TRUE") {
    return db_.QueryInt(absl::StrCat("SELECT COUNT(*) FROM ", table, " WHERE tenant_id = X'",
                                     Hex(tenant_id_), "' AND ", condition));
  }

  std::vector<absl::StatusOr<sql::CaseRow>> UpdateQueued(
      const std::vector<sql::CaseUpdate>& updates, GroupRunner<sql::PendingUpdate>::Stats* stats);
  static sql::CaseMutation Rename(const std::string& suffix);
  // One update per case, each appending `suffix` to its name.
  static std::vector<sql::CaseUpdate> RenameEach(const std::vector<sql::CaseRow>& cases,
                                                 const std::string& suffix) {
    std::vector<sql::CaseUpdate> out;
    out.reserve(cases.size());
    for (const sql::CaseRow& c : cases) {
      out.push_back({c.case_id, Rename(suffix), ""});
    }
    return out;
  }
  // Cases "Case 0" … "Case n-1" (fewer if a create fails).
  std::vector<sql::CaseRow> CreateCases(int n) {
    std::vector<sql::CaseRow> out;
    for (int i = 0; i < n; ++i) {
      auto c = Create(NewRow(absl::StrCat("Case ", i)));
      EXPECT_TRUE(c.ok()) << c.status();
      if (c.ok()) {
        out.push_back(*c);
      }
    }
    return out;
  }

  TestDatabase db_;
  const std::string tenant_id_;
  sql::CaseStore store_;
};

TEST_F(CaseGroupTest, CreatesQueuedBehindABusyTenantCommitAsOneGroup) {
  std::vector<std::pair<sql::CaseRow, std::optional<sql::IdempotencyKey>>> creates;
  for (int i = 0; i < 8; ++i) {
    creates.push_back({NewRow(absl::StrCat("Queued ", i)),
                       i % 2 ? Key(absl::StrCat("q-", i), "a") : std::nullopt});
  }
  const auto results = RunQueued(creates);
  const auto stats = store_.CreateGroupStats();
  EXPECT_EQ(stats.groups, 2);  // the first alone, then the eight together
  EXPECT_EQ(stats.items, 9);
  std::set<int64_t> numbers;
  std::set<absl::Time> create_times;  // one transaction, one clock reading; alone, eight
  for (size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].status();
    create_times.insert(results[i]->create_time);
    EXPECT_EQ(results[i]->display_name, creates[i].first.display_name);
    numbers.insert(results[i]->number);
    // Each case's history says its own number.
    EXPECT_EQ(Count("case_events",
                    absl::StrCat("case_id = X'", Hex(results[i]->case_id), "' AND summary = 'CASE-",
                                 results[i]->number, " created'")),
              1);
  }
  EXPECT_EQ(numbers, (std::set<int64_t>{2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(create_times.size(), 1u);
  EXPECT_EQ(Count("cases"), 9);
  EXPECT_EQ(Count("idempotency_keys"), 4);
}

TEST_F(CaseGroupTest, ReplayInAGroupGetsTheFirstCaseAndUsesNoNumber) {
  auto earlier = Create(NewRow("Earlier"), Key("again", "a"));
  ASSERT_TRUE(earlier.ok());
  const auto results = RunQueued({{NewRow("Earlier"), Key("again", "a")},
                                  {NewRow("Fresh A"), std::nullopt},
                                  {NewRow("Reused"), Key("again", "b")},
                                  {NewRow("Fresh B"), Key("fresh", "a")}});
  ASSERT_TRUE(results[0].ok());
  EXPECT_EQ(results[0]->case_id, earlier->case_id);
  EXPECT_EQ(results[0]->number, earlier->number);
  EXPECT_EQ(results[2].status().code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(results[1].ok());
  ASSERT_TRUE(results[3].ok());
  // Numbers stay gap-free: the group that rolled back gave its numbers back.
  EXPECT_EQ((std::set<int64_t>{results[1]->number, results[3]->number}), (std::set<int64_t>{3, 4}));
  EXPECT_EQ(Count("cases"), 4);
}

TEST_F(CaseGroupTest, OneRequestIdTwiceInAGroupMakesOneCase) {
  const auto results =
      RunQueued({{NewRow("Twice"), Key("same", "a")}, {NewRow("Twice"), Key("same", "a")}});
  ASSERT_TRUE(results[0].ok());
  ASSERT_TRUE(results[1].ok());
  EXPECT_EQ(results[0]->case_id, results[1]->case_id);
  EXPECT_EQ(Count("cases"), 2);  // the blocked first create and this one
}

TEST_F(CaseGroupTest, MissingQueueFailsOnlyItsOwnCreate) {
  const auto results = RunQueued({{NewRow("Good"), std::nullopt},
                                  {NewRow("Bad queue", NewIdBytes()), std::nullopt},
                                  {NewRow("Also good"), std::nullopt},
                                  {NewRow("Good too"), std::nullopt}});
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(results[1].status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(results[2].ok());
  EXPECT_TRUE(results[3].ok());
  EXPECT_EQ(Count("cases"), 4);
}

// Updates of single cases that arrive while another of the tenant's waits for the
// database run as one group: `updates` queue behind a first update that waits for
// the only connection of a one-connection pool. Each is run by "actor-<i>".
std::vector<absl::StatusOr<sql::CaseRow>> CaseGroupTest::UpdateQueued(
    const std::vector<sql::CaseUpdate>& updates, GroupRunner<sql::PendingUpdate>::Stats* stats) {
  auto first = Create(NewRow("First"));
  EXPECT_TRUE(first.ok());
  sql::DbConfig one = db_.config();
  one.pool_size = 1;
  sql::ConnectionPool pool(one, sql::PoolOptions{});
  sql::CaseStore store(&pool);
  std::vector<absl::StatusOr<sql::CaseRow>> results(updates.size(), absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  {
    auto busy = pool.Acquire();
    EXPECT_TRUE(busy.ok());
    threads.emplace_back([&] {
      EXPECT_TRUE(store.Update(tenant_id_, {{first->case_id, Rename("!")}}, "alice").ok());
    });
    EXPECT_TRUE(WaitFor([&] { return pool.Stats().waits == 1; }));
    for (size_t i = 0; i < updates.size(); ++i) {
      threads.emplace_back([&, i] {
        auto rows = store.Update(tenant_id_, {updates[i]}, absl::StrCat("actor-", i));
        results[i] = rows.ok() ? absl::StatusOr<sql::CaseRow>(rows->front()) : rows.status();
      });
    }
    EXPECT_TRUE(WaitFor([&] {
      return store.UpdateGroupStats().waiting == static_cast<long long>(updates.size());
    }));
  }
  for (auto& t : threads) {
    t.join();
  }
  *stats = store.UpdateGroupStats();
  return results;
}

sql::CaseMutation CaseGroupTest::Rename(const std::string& suffix) {
  return [suffix](const sql::CaseRow& current, sql::CaseRow* next,
                  std::vector<sql::FieldChangeRow>* changes) {
    next->display_name = current.display_name + suffix;
    changes->push_back({"display_name", current.display_name, next->display_name});
    return absl::OkStatus();
  };
}

TEST_F(CaseGroupTest, UpdatesQueuedBehindABusyTenantCommitAsOneGroupEachWithItsActor) {
  std::vector<sql::CaseRow> cases = CreateCases(8);
  ASSERT_EQ(cases.size(), 8u);
  std::vector<sql::CaseUpdate> updates = RenameEach(cases, "+");
  GroupRunner<sql::PendingUpdate>::Stats stats;
  const auto results = UpdateQueued(updates, &stats);
  EXPECT_EQ(stats.groups, 2);  // the first alone, then the eight together
  EXPECT_EQ(stats.items, 9);
  std::set<absl::Time> update_times;  // one transaction, one clock reading
  for (size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].status();
    EXPECT_EQ(results[i]->case_id, cases[i].case_id);
    EXPECT_EQ(results[i]->display_name, cases[i].display_name + "+");
    EXPECT_EQ(results[i]->revision, cases[i].revision + 1);
    update_times.insert(results[i]->update_time);
    EXPECT_EQ(Count("case_events", absl::StrCat("case_id = X'", Hex(cases[i].case_id),
                                                "' AND actor = 'actor-", i, "'")),
              1);
  }
  EXPECT_EQ(update_times.size(), 1u);
}

TEST_F(CaseGroupTest, AFailingUpdateInAGroupFailsAloneAndTheOthersCommit) {
  std::vector<sql::CaseRow> cases = CreateCases(4);
  ASSERT_EQ(cases.size(), 4u);
  std::vector<sql::CaseUpdate> updates = RenameEach(cases, "+");
  updates[1].mutate = [](const sql::CaseRow&, sql::CaseRow*, std::vector<sql::FieldChangeRow>*) {
    return absl::FailedPreconditionError("the etag is stale");
  };
  updates[3].case_id = NewIdBytes();  // no such case
  GroupRunner<sql::PendingUpdate>::Stats stats;
  const auto results = UpdateQueued(updates, &stats);
  EXPECT_EQ(stats.groups, 2);
  EXPECT_EQ(results[1].status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(results[3].status().code(), absl::StatusCode::kNotFound);
  for (int i : {0, 2}) {
    ASSERT_TRUE(results[i].ok()) << results[i].status();
    EXPECT_EQ(results[i]->display_name, cases[i].display_name + "+");
  }
  auto unchanged = store_.Get(tenant_id_, cases[1].case_id);
  ASSERT_TRUE(unchanged.ok() && unchanged->has_value());
  EXPECT_EQ((*unchanged)->revision, cases[1].revision);
  EXPECT_EQ(Count("case_events",
                  absl::StrCat("case_id = X'", Hex(cases[1].case_id), "' AND actor = 'actor-1'")),
            0);
}

TEST_F(CaseGroupTest, TwoUpdatesOfOneCaseInAGroupBothApplyOneAfterTheOther) {
  auto c = Create(NewRow("Twice"));
  ASSERT_TRUE(c.ok());
  GroupRunner<sql::PendingUpdate>::Stats stats;
  const auto results =
      UpdateQueued({{c->case_id, Rename("+a"), ""}, {c->case_id, Rename("+b"), ""}}, &stats);
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  ASSERT_TRUE(results[1].ok()) << results[1].status();
  auto now = store_.Get(tenant_id_, c->case_id);
  ASSERT_TRUE(now.ok() && now->has_value());
  EXPECT_EQ((*now)->revision, c->revision + 2);
  EXPECT_TRUE((*now)->display_name == "Twice+a+b" || (*now)->display_name == "Twice+b+a")
      << (*now)->display_name;
}

// Reads of one tenant that arrive while another is waiting for the database are
// answered together by one query, each with its own case (or none).
TEST_F(CaseGroupTest, ReadsQueuedTogetherShareOneQueryAndGetTheirOwnCases) {
  auto a = Create(NewRow("A")), b = Create(NewRow("B"));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  sql::DbConfig one = db_.config();
  one.pool_size = 1;
  sql::ConnectionPool pool(one, sql::PoolOptions{});
  sql::CaseStore store(&pool);
  const std::vector<std::string> ids = {a->case_id, b->case_id, NewIdBytes(), a->case_id};
  std::vector<absl::StatusOr<std::optional<sql::CaseRow>>> results(ids.size(),
                                                                   absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  {
    auto busy = pool.Acquire();  // the one connection: the first read waits for it alone
    ASSERT_TRUE(busy.ok());
    threads.emplace_back([&] { EXPECT_TRUE(store.Get(tenant_id_, a->case_id).ok()); });
    ASSERT_TRUE(WaitFor([&] { return pool.Stats().waits == 1; }));
    for (size_t i = 0; i < ids.size(); ++i) {
      threads.emplace_back([&, i] { results[i] = store.Get(tenant_id_, ids[i]); });
    }
    ASSERT_TRUE(WaitFor(
        [&] { return store.GetGroupStats().waiting == static_cast<long long>(ids.size()); }));
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(pool.Stats().acquires, 3);  // the holder, the first read, then all four together
  for (size_t i = 0; i < ids.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].status();
    if (i == 2) {
      EXPECT_FALSE(results[i]->has_value());
    } else {
      ASSERT_TRUE(results[i]->has_value());
      EXPECT_EQ((*results[i])->case_id, ids[i]);
    }
  }
  EXPECT_EQ((*results[1])->display_name, "B");
  // Another tenant's read of the same id in the same moment finds nothing.
  auto other = store.Get(NewIdBytes(), a->case_id);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
}

}  // namespace
}  // namespace cases
