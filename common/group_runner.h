// Group commit: concurrent callers that would queue on the same lock (one tenant's
// case counter) are served in groups, one transaction per group, instead of one
// transaction each, every one waiting for the one before it.
//
//   GroupRunner<PendingCreate> creates(32, [&](const std::vector<PendingCreate*>& group) {
//     ... run `group` in one transaction, set each item's result ...
//   });
//   creates.Run(tenant_id, &pending);  // returns once pending's result is set
//
// The first caller for a key leads: it takes the callers already waiting for that key
// (itself first; a power of two of them, up to max_group), runs them and hands out
// the results. Callers that arrive meanwhile wait; when the group ends, the longest
// waiter leads the next one.
// Nothing waits on a timer: a caller alone runs at once as a group of one, so grouping
// costs nothing at low load and grows with the queue. One group per key runs at a time.
#ifndef CASES_COMMON_GROUP_RUNNER_H_
#define CASES_COMMON_GROUP_RUNNER_H_

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cases {

template <typename Item>
class GroupRunner {
 public:
  // Runs one group and sets every item's result. Should it throw, the exception goes to
  // the leader's caller; the other members return with the results they started with.
  using RunGroup = std::function<void(const std::vector<Item*>& group)>;

  struct Stats {
    long long groups = 0;   // groups run
    long long items = 0;    // items in them: items / groups is the mean group size
    long long waiting = 0;  // callers waiting for a group of their key to finish
  };

  GroupRunner(size_t max_group, RunGroup run) : max_group_(max_group), run_(std::move(run)) {}
  GroupRunner(const GroupRunner&) = delete;
  GroupRunner& operator=(const GroupRunner&) = delete;

  // Runs `item` in a group of callers with the same `key`; returns when it has run.
  void Run(const std::string& key, Item* item) {
    Waiter self{item};
    std::unique_lock<std::mutex> lock(mu_);
    auto [it, idle] = lanes_.try_emplace(key);
    // References into an unordered_map stay valid until their element is erased,
    // which only the group running for this key does.
    Lane& lane = it->second;
    if (!idle) {
      lane.waiting.push_back(&self);
      ++stats_.waiting;
      self.wake.wait(lock, [&] { return self.done || self.leads; });
      --stats_.waiting;
      if (self.done) {
        return;
      }
    }
    // Groups come in powers of two (those left over lead the next group), so the
    // statements a group sends come in a few sizes that stay prepared.
    size_t size = 1;
    while (size * 2 <= std::min(max_group_, lane.waiting.size() + 1)) {
      size *= 2;
    }
    std::vector<Waiter*> group = {&self};
    std::vector<Item*> items = {item};
    while (group.size() < size) {
      group.push_back(lane.waiting.front());
      items.push_back(group.back()->item);
      lane.waiting.pop_front();
    }
    lock.unlock();
    try {
      run_(items);
    } catch (...) {
      // The members keep whatever result they were given; the key must still move on.
      lock.lock();
      Finish(key, lane, group);
      throw;
    }
    lock.lock();
    Finish(key, lane, group);
  }

  Stats stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }

 private:
  // One per waiting caller, each with its own condition variable, so finishing a
  // group wakes exactly its members and the next leader, not every waiter of every key.
  struct Waiter {
    explicit Waiter(Item* i) : item(i) {}
    Item* item;
    bool done = false;   // its group ran
    bool leads = false;  // it runs the next group
    std::condition_variable wake;
  };
  struct Lane {  // exists while a group of its key runs
    std::deque<Waiter*> waiting;
  };

  // With mu_ held: counts the group, releases its members and hands the key to the
  // longest waiter, or forgets it.
  void Finish(const std::string& key, Lane& lane, const std::vector<Waiter*>& group) {
    ++stats_.groups;
    stats_.items += static_cast<long long>(group.size());
    // Notified under the lock: a waiter that sees `done` returns and its Waiter (on
    // its stack) is gone, so nothing may touch it after the lock is released.
    for (size_t i = 1; i < group.size(); ++i) {
      group[i]->done = true;
      group[i]->wake.notify_one();
    }
    if (lane.waiting.empty()) {
      lanes_.erase(key);
    } else {
      Waiter* next = lane.waiting.front();
      lane.waiting.pop_front();
      next->leads = true;
      next->wake.notify_one();
    }
  }

  const size_t max_group_;
  const RunGroup run_;
  // std::mutex, as common/sync.h explains; condition variables per waiter need it bare.
  mutable std::mutex mu_;
  std::unordered_map<std::string, Lane> lanes_;  // guarded by mu_
  Stats stats_;                                  // guarded by mu_
};

}  // namespace cases

#endif  // CASES_COMMON_GROUP_RUNNER_H_
