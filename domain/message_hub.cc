#include "domain/message_hub.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"

namespace cases::domain {
namespace {

constexpr int kPollBatch = 500;

}  // namespace

MessageHub::MessageHub(sql::ServiceRequestStore* store, MessageHubOptions options)
    : store_(store), options_(options) {
  poller_ = std::thread([this] { PollLoop(); });
}

MessageHub::~MessageHub() {
  Shutdown();
  if (poller_.joinable()) {
    poller_.join();
  }
}

absl::StatusOr<std::unique_ptr<MessageHub::Subscription>> MessageHub::Subscribe(
    const std::string& tenant_id, const std::string& service_request_id) {
  if (open_streams_.fetch_add(1) >= options_.max_streams) {
    open_streams_.fetch_sub(1);
    return WithRetryInfo(
        absl::ResourceExhaustedError(absl::StrCat("at most ", options_.max_streams,
                                                  " message streams per server; retry later")),
        absl::Seconds(5));
  }
  MutexLock lock(&mu_);
  if (stopping_) {
    open_streams_.fetch_sub(1);
    return Unavailable("the server is draining; reconnect", absl::Seconds(1));
  }
  const std::string key = tenant_id + service_request_id;
  std::shared_ptr<Topic>& topic = topics_[key];
  if (topic == nullptr) {
    topic = std::make_shared<Topic>();
    topic->tenant_id = tenant_id;
    topic->service_request_id = service_request_id;
    topic->cursor = IdFloor(absl::Now() - options_.settle);
  }
  ++topic->subscribers;
  poll_now_ = true;
  return std::unique_ptr<Subscription>(new Subscription(this, topic, topic->seq));
}

MessageHub::Subscription::~Subscription() {
  MutexLock lock(&hub_->mu_);
  if (--topic_->subscribers == 0) {
    hub_->topics_.erase(topic_->tenant_id + topic_->service_request_id);
  }
  hub_->open_streams_.fetch_sub(1);
}

std::vector<sql::MessageRow> MessageHub::Subscription::Next(absl::Duration max_wait, bool* closed,
                                                            bool* overflow) {
  std::vector<sql::MessageRow> out;
  *closed = false;
  *overflow = false;
  MutexLock lock(&hub_->mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(hub_->mu_) {
    return hub_->stopping_ || topic_->seq > seq_;
  };
  hub_->mu_.AwaitWithTimeout(ready, max_wait);
  if (hub_->stopping_) {
    *closed = true;
    return out;
  }
  if (!topic_->buffer.empty() && topic_->buffer.front().first > seq_ + 1) {
    *overflow = true;
    return out;
  }
  for (const auto& [seq, message] : topic_->buffer) {
    if (seq > seq_) {
      out.push_back(message);
    }
  }
  seq_ = topic_->seq;
  return out;
}

void MessageHub::Notify(const std::string& tenant_id, const std::string& service_request_id) {
  MutexLock lock(&mu_);
  if (topics_.count(tenant_id + service_request_id) != 0) {
    poll_now_ = true;
  }
}

void MessageHub::Shutdown() {
  MutexLock lock(&mu_);
  stopping_ = true;
}

void MessageHub::PollLoop() {
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
      for (const auto& [key, topic] : topics_) {
        topics.push_back(topic);
      }
    }
    for (const auto& topic : topics) {
      PollTopic(topic);
    }
  }
}

void MessageHub::PollTopic(const std::shared_ptr<Topic>& topic) {
  std::string after;
  {
    MutexLock lock(&mu_);
    after = topic->cursor;
  }
  const std::string settled = IdFloor(absl::Now() - options_.settle);
  std::vector<sql::MessageRow> fresh;
  while (true) {
    auto rows =
        store_->MessagesAfter(topic->tenant_id, topic->service_request_id, after, kPollBatch);
    if (!rows.ok()) {
      Log(LogLevel::kWarning, "message poll failed",
          {{"error", std::string(rows.status().message())}});
      return;
    }
    fresh.insert(fresh.end(), rows->begin(), rows->end());
    if (rows->size() < static_cast<size_t>(kPollBatch)) {
      break;
    }
    after = rows->back().message_id;
  }
  MutexLock lock(&mu_);
  for (sql::MessageRow& m : fresh) {
    if (!topic->seen.insert(m.message_id).second) {
      continue;
    }
    topic->buffer.emplace_back(++topic->seq, std::move(m));
  }
  while (topic->buffer.size() > options_.buffer_messages) {
    topic->buffer.pop_front();
  }
  // Ids before the settle window will not show up any more: stop re-reading them.
  if (settled > topic->cursor) {
    topic->cursor = settled;
    topic->seen.erase(topic->seen.begin(), topic->seen.lower_bound(settled));
  }
}

}  // namespace cases::domain
