// GroupRunner, the grouping under case creates and reads: every item runs once,
// groups are of one key and of power-of-two size, and a failing group frees its key.
#include "common/group_runner.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <stdexcept>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/unit/unit_testing.h"

namespace cases {
namespace {

using ::cases::testing::WaitFor;

// Every item runs exactly once; groups never mix keys, come in powers of two up to
// their limit, and a key runs one group at a time.
TEST(GroupRunnerTest, EveryItemRunsOnceAndAKeyRunsOneGroupAtATime) {
  struct Item {
    int key;
    std::atomic<int> runs{0};
  };
  std::map<int, std::atomic<int>> active;
  for (int k = 0; k < 4; ++k) {
    active[k] = 0;
  }
  std::atomic<int> overlaps{0}, misshapen{0};
  GroupRunner<Item> runner(8, [&](const std::vector<Item*>& group) {
    if (group.size() > 8 || (group.size() & (group.size() - 1)) != 0) {
      ++misshapen;
    }
    const int key = group.front()->key;
    if (++active[key] > 1) {
      ++overlaps;
    }
    for (Item* item : group) {
      if (item->key != key) {
        ++overlaps;  // a group mixes keys
      }
      ++item->runs;
    }
    std::this_thread::yield();
    --active[key];
  });
  std::vector<Item> items(400);
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = t; i < items.size(); i += 16) {
        items[i].key = static_cast<int>(i % 4);
        runner.Run(absl::StrCat("key-", items[i].key), &items[i]);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  for (const Item& item : items) {
    EXPECT_EQ(item.runs.load(), 1);
  }
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(misshapen.load(), 0);
  EXPECT_EQ(runner.stats().items, 400);
  EXPECT_EQ(runner.stats().waiting, 0);
}

TEST(GroupRunnerTest, AGroupThatThrowsStillReleasesItsMembersAndTheKey) {
  struct Item {
    int id;
    bool ran = false;
  };
  std::atomic<int> groups{0};
  GroupRunner<Item>* self = nullptr;
  GroupRunner<Item> runner(8, [&](const std::vector<Item*>& group) {
    const int n = ++groups;
    if (n == 1) {  // hold the key until three more callers queue behind it
      EXPECT_TRUE(WaitFor([&] { return self->stats().waiting == 3; }));
    }
    if (n == 2) {
      throw std::runtime_error("group failed");
    }
    for (Item* item : group) {
      item->ran = true;
    }
  });
  self = &runner;
  std::vector<Item> items = {{0}, {1}, {2}, {3}};
  std::atomic<int> thrown{0};
  auto run = [&](Item* item) {
    try {
      runner.Run("key", item);
    } catch (const std::runtime_error&) {
      ++thrown;
    }
  };
  std::vector<std::thread> threads;
  threads.emplace_back(run, &items[0]);
  ASSERT_TRUE(WaitFor([&] { return groups.load() == 1; }));
  for (int i = 1; i < 4; ++i) {
    threads.emplace_back(run, &items[i]);
  }
  for (auto& t : threads) {
    t.join();
  }
  // Groups: {0}, then two of the three (thrown), then the last one alone.
  EXPECT_EQ(thrown.load(), 1);
  EXPECT_EQ(std::count_if(items.begin(), items.end(), [](const Item& i) { return i.ran; }), 2);
  EXPECT_EQ(runner.stats().groups, 3);
  Item after{4};
  runner.Run("key", &after);  // the key is free again
  EXPECT_TRUE(after.ran);
}

}  // namespace
}  // namespace cases
