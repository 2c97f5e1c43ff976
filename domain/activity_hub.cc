#include "domain/activity_hub.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/log.h"

namespace cases::domain {
namespace {

constexpr int kPollBatch = 500;

// The id after which a tenant's feed continues, given its head's bits: every id
// with these bits or fewer is at or before it (sql/activities.h).
std::string CursorAtHead(int64_t bits) { return sql::ActivityIdOf(bits, std::string(8, '\xff')); }

int64_t BitsOfCursor(const std::string& cursor) {
  return cursor.empty() ? -1 : sql::ActivityBitsOf(cursor);
}

}  // namespace

ActivityHub::ActivityHub(sql::ActivityStore* store, ActivityHubOptions options)
    : store_(store), options_(options) {
  poller_ = std::thread([this] { PollLoop(); });
}

ActivityHub::~ActivityHub() {
  Shutdown();
  if (poller_.joinable()) {
    poller_.join();
  }
}

int ActivityHub::open_topics() const {
  MutexLock lock(&mu_);
  return static_cast<int>(topics_.size());
}

absl::StatusOr<std::unique_ptr<ActivityHub::Subscription>> ActivityHub::Subscribe(
    const std::vector<std::string>& tenants, std::function<void()> waker) {
  if (open_streams_.fetch_add(1) >= options_.max_streams) {
    open_streams_.fetch_sub(1);
    return WithRetryInfo(absl::ResourceExhaustedError(absl::StrCat(
                             "at most ", options_.max_streams, " streams per server; retry later")),
                         absl::Seconds(5));
  }
  std::vector<std::string> fresh;  // tenants without a topic yet: where their feeds stand
  {
    MutexLock lock(&mu_);
    for (const std::string& t : tenants) {
      if (topics_.count(t) == 0) {
        fresh.push_back(t);
      }
    }
  }
  std::map<std::string, int64_t> heads;
  if (!fresh.empty()) {
    absl::StatusOr<std::map<std::string, int64_t>> read = store_->Heads(fresh);
    if (!read.ok()) {
      open_streams_.fetch_sub(1);
      return read.status();
    }
    heads = *std::move(read);
  }
  MutexLock lock(&mu_);
  if (stopping_) {
    open_streams_.fetch_sub(1);
    return Unavailable("the server is draining; reconnect", absl::Seconds(1));
  }
  std::unique_ptr<Subscription> subscription(new Subscription(
      this, waker == nullptr ? nullptr
                             : std::make_shared<const std::function<void()>>(std::move(waker))));
  for (const std::string& t : tenants) {
    std::shared_ptr<Topic>& topic = topics_[t];
    if (topic == nullptr) {
      topic = std::make_shared<Topic>();
      topic->tenant_id = t;
      auto head = heads.find(t);
      // A tenant that got its topic after the heads were read reads from "", its
      // whole (so far empty) feed, only if it had no head then.
      topic->cursor = head == heads.end() ? "" : CursorAtHead(head->second);
      topic->dirty = true;
      poll_now_ = true;
    }
    topic->AddReader(subscription.get(), topic->seq);
    subscription->places_.emplace_back(topic, topic->seq);
  }
  return subscription;
}

ActivityHub::Subscription::~Subscription() {
  MutexLock lock(&hub_->mu_);
  for (auto& [topic, seq] : places_) {
    topic->RemoveReader(this);
    if (topic->readers.empty()) {
      hub_->topics_.erase(topic->tenant_id);
    } else {
      hub_->Trim(topic.get());
    }
  }
  hub_->open_streams_.fetch_sub(1);
}

std::vector<SharedActivity> ActivityHub::Subscription::Next(absl::Duration max_wait, bool* closed,
                                                            bool* overflow) {
  std::vector<SharedActivity> out;
  *closed = false;
  *overflow = false;
  MutexLock lock(&hub_->mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(hub_->mu_) {
    if (hub_->stopping_) {
      return true;
    }
    return std::any_of(places_.begin(), places_.end(),
                       [](const auto& place) { return place.first->seq > place.second; });
  };
  hub_->mu_.AwaitWithTimeout(ready, max_wait);
  if (hub_->stopping_) {
    *closed = true;
    return out;
  }
  for (auto& [topic, seq] : places_) {
    if (topic->seq == seq) {
      continue;
    }
    if (topic->buffer.empty() || topic->buffer.front().first > seq + 1) {
      *overflow = true;
      return {};
    }
    for (const auto& [s, activity] : topic->buffer) {
      if (s > seq) {
        out.push_back(activity);
      }
    }
    seq = topic->seq;
    topic->MoveReader(this, seq);
    hub_->Trim(topic.get());
  }
  if (places_.size() > 1) {
    std::sort(out.begin(), out.end(), [](const SharedActivity& a, const SharedActivity& b) {
      return a->activity_id < b->activity_id;
    });
  }
  return out;
}

void ActivityHub::Notify(const std::vector<std::string>& tenant_ids) {
  MutexLock lock(&mu_);
  for (const std::string& t : tenant_ids) {
    if (auto it = topics_.find(t); it != topics_.end()) {
      it->second->dirty = true;
      poll_now_ = true;
    }
  }
}

void ActivityHub::Shutdown() {
  std::vector<Subscription::Waker> wakers;
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    for (const auto& [tenant, topic] : topics_) {
      WakersOf(*topic, &wakers);
    }
  }
  for (const Subscription::Waker& wake : wakers) {
    (*wake)();
  }
}

void ActivityHub::WakersOf(const Topic& topic, std::vector<Subscription::Waker>* out) const {
  for (const auto& [reader, seq] : topic.readers) {
    if (reader->waker_ != nullptr) {
      out->push_back(reader->waker_);
    }
  }
}

namespace {

// One reader fewer at `seq`.
void Untake(std::map<long long, int>* taken, long long seq) {
  if (auto it = taken->find(seq); it != taken->end() && --it->second == 0) {
    taken->erase(it);
  }
}

}  // namespace

void ActivityHub::Topic::AddReader(const Subscription* reader, long long seq) {
  readers[reader] = seq;
  ++taken[seq];
}

void ActivityHub::Topic::MoveReader(const Subscription* reader, long long seq) {
  long long& at = readers[reader];
  Untake(&taken, at);
  at = seq;
  ++taken[seq];
}

void ActivityHub::Topic::RemoveReader(const Subscription* reader) {
  if (auto it = readers.find(reader); it != readers.end()) {
    Untake(&taken, it->second);
    readers.erase(it);
  }
}

void ActivityHub::Trim(Topic* topic) {
  const long long taken =
      topic->taken.empty() ? std::numeric_limits<long long>::max() : topic->taken.begin()->first;
  while (!topic->buffer.empty() && (topic->buffer.front().first <= taken ||
                                    topic->buffer.size() > options_.buffer_activities)) {
    topic->buffer.pop_front();
  }
}

void ActivityHub::PollLoop() {
  absl::Time last_remote_check = absl::InfinitePast();
  while (true) {
    std::vector<std::shared_ptr<Topic>> topics;
    {
      MutexLock lock(&mu_);
      auto wake = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return poll_now_ || stopping_; };
      mu_.AwaitWithTimeout(wake, options_.poll_interval);
      if (stopping_) {
        return;
      }
      poll_now_ = false;
      for (const auto& [tenant, topic] : topics_) {
        topics.push_back(topic);
      }
    }
    if (absl::Now() - last_remote_check >= options_.poll_interval) {
      last_remote_check = absl::Now();
      FindRemoteChanges(topics);
    }
    for (const auto& topic : topics) {
      PollTopic(topic);
    }
  }
}

void ActivityHub::FindRemoteChanges(const std::vector<std::shared_ptr<Topic>>& topics) {
  if (topics.empty()) {
    return;
  }
  std::vector<std::string> tenants;
  tenants.reserve(topics.size());
  for (const auto& topic : topics) {
    tenants.push_back(topic->tenant_id);
  }
  absl::StatusOr<std::map<std::string, int64_t>> heads = store_->Heads(tenants);
  if (!heads.ok()) {
    Log(LogLevel::kWarning, "activity head poll failed",
        {{"error", std::string(heads.status().message())}});
    return;
  }
  MutexLock lock(&mu_);
  for (const auto& topic : topics) {
    auto head = heads->find(topic->tenant_id);
    if (head != heads->end() && head->second > BitsOfCursor(topic->cursor)) {
      topic->dirty = true;
    }
  }
}

void ActivityHub::PollTopic(const std::shared_ptr<Topic>& topic) {
  std::string after;
  {
    MutexLock lock(&mu_);
    if (!topic->dirty) {
      return;
    }
    topic->dirty = false;
    after = topic->cursor;
  }
  while (true) {
    absl::StatusOr<std::vector<sql::ActivityRow>> rows =
        store_->After(topic->tenant_id, after, kPollBatch);
    if (!rows.ok()) {
      Log(LogLevel::kWarning, "activity poll failed",
          {{"error", std::string(rows.status().message())}});
      MutexLock lock(&mu_);
      topic->dirty = true;  // try again next time
      return;
    }
    if (rows->empty()) {
      return;
    }
    after = rows->back().activity_id;
    std::vector<Subscription::Waker> wakers;
    {
      MutexLock lock(&mu_);
      for (sql::ActivityRow& row : *rows) {
        topic->buffer.emplace_back(++topic->seq,
                                   std::make_shared<const sql::ActivityRow>(std::move(row)));
      }
      topic->cursor = after;
      Trim(topic.get());
      WakersOf(*topic, &wakers);
    }
    for (const Subscription::Waker& wake : wakers) {
      (*wake)();
    }
    if (rows->size() < static_cast<size_t>(kPollBatch)) {
      return;
    }
  }
}

}  // namespace cases::domain
