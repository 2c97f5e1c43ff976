// A server stream on gRPC's callback API, fed by a domain Feed (domain/feed.h):
// StreamActivities and StreamMessages. The work that may block (the guard's
// lookups, opening the feed, reading its backlog) runs on the edge's executor;
// writes go one at a time; between batches the stream holds no thread, and the
// feed's hub subscription wakes it when there may be more. Ten thousand idle
// streams are ten thousand of these objects and their sockets.
//
//   grpc::ServerWriteReactor<v1::Message>* StreamMessages(grpc::CallbackServerContext* context,
//                                                         const v1::StreamMessagesRequest* request)
//                                                         override {
//     return FeedReactor<v1::Message>::Start(*edge_, context, *request,
//         [this, request](const tenancy::CallContext& call, std::function<void()> waker) {
//           return requests_->OpenMessages(call, call.target.id(), "", std::move(waker));
//         });
//   }
//
// A reader too slow for the hub's buffer is ended by its feed (STREAM_BEHIND,
// with where to resume); it never holds anyone else up.
#ifndef CASES_SERVER_FEED_REACTOR_H_
#define CASES_SERVER_FEED_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/executor.h"
#include "common/sync.h"
#include "domain/feed.h"
#include "server/rpc.h"

namespace cases::server {

template <typename Message>
class FeedReactor final : public grpc::ServerWriteReactor<Message>,
                          public std::enable_shared_from_this<FeedReactor<Message>> {
 public:
  // Opens the call's feed (blocking allowed), given the call context and the
  // waker to pass to the hub.
  using Opener = std::function<absl::StatusOr<std::unique_ptr<domain::Feed<Message>>>(
      const tenancy::CallContext& call, std::function<void()> waker)>;

  // The reactor of one call; it owns itself until gRPC calls OnDone.
  static grpc::ServerWriteReactor<Message>* Start(const Edge& edge,
                                                  grpc::CallbackServerContext* context,
                                                  const google::protobuf::Message& request,
                                                  Opener open) {
    std::shared_ptr<FeedReactor> reactor(new FeedReactor(edge, *context, request, std::move(open)));
    reactor->self_ = reactor;
    MutexLock lock(&reactor->mu_);
    reactor->SchedulePumpLocked();
    return reactor.get();
  }

  void OnWriteDone(bool ok) override {
    Act(Locked([&] {
      writing_ = false;
      if (!ok) {
        return FinishLocked(absl::CancelledError("the client went away"));
      }
      return NextLocked();
    }));
  }

  void OnCancel() override {
    Act(Locked([&] {
      cancelled_ = true;
      // A write in flight ends in OnWriteDone, a pump in Pump: each finishes then.
      return writing_ || pumping_ ? Action{} : FinishLocked(Cancelled());
    }));
  }

  void OnDone() override {
    std::shared_ptr<FeedReactor> last;  // deleted at the end of this function at the latest
    MutexLock lock(&mu_);
    last = std::move(self_);
  }

 private:
  // What to do once the lock is released: gRPC may run a reaction inline from
  // StartWrite or Finish, which must not find the lock held.
  struct Action {
    const Message* write = nullptr;
    std::optional<grpc::Status> finish;
  };

  FeedReactor(const Edge& edge, const grpc::CallbackServerContext& context,
              const google::protobuf::Message& request, Opener open)
      : edge_(edge), edge_call_(edge, context, request), open_(std::move(open)) {}

  template <typename F>
  Action Locked(F f) {
    MutexLock lock(&mu_);
    return f();
  }

  void Act(const Action& action) {
    if (action.write != nullptr) {
      this->StartWrite(action.write);
    } else if (action.finish.has_value()) {
      this->Finish(*action.finish);
    }
  }

  static absl::Status Cancelled() {
    return absl::CancelledError("the client cancelled the stream");
  }

  // On the executor: opens the feed on the first run, then takes what it has.
  void Pump() {
    uint64_t wakes_before = 0;
    bool cancelled = false;
    {
      MutexLock lock(&mu_);
      if (finished_) {
        pumping_ = false;
        return;
      }
      wakes_before = wakes_;
      cancelled = cancelled_;
    }
    absl::Status status = absl::OkStatus();
    std::vector<Message> ready;
    bool caught_up = false;
    if (cancelled) {
      // Nothing to do: the locked block below finishes the call.
    } else if (feed_ == nullptr) {
      absl::StatusOr<tenancy::CallContext> call = edge_call_.Admit();
      absl::StatusOr<std::unique_ptr<domain::Feed<Message>>> feed =
          call.ok() ? open_(*call, Waker()) : call.status();
      if (feed.ok()) {
        feed_ = *std::move(feed);
      } else {
        status = feed.status();
      }
    }
    if (!cancelled && status.ok()) {
      status = feed_->Next(&ready, &caught_up);
    }
    Act(Locked([&] {
      pumping_ = false;
      if (cancelled_) {
        return FinishLocked(Cancelled());
      }
      if (!status.ok()) {
        return FinishLocked(status);
      }
      caught_up_ = caught_up;
      wakes_at_take_ = wakes_before;
      if (!ready.empty()) {
        batch_ = std::move(ready);
        next_ = 0;
        return NextLocked();
      }
      return IdleOrPumpLocked();
    }));
  }

  // After a take and what it gave is sent: wait for the waker if the take had
  // everything and the waker has not run since, else take again (one executor
  // task per batch, not a second one to find there is nothing).
  Action IdleOrPumpLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (caught_up_ && wakes_ == wakes_at_take_) {
      idle_ = true;
      return Action{};
    }
    return SchedulePumpLocked();
  }

  // The hub's waker: holds the reactor only while it schedules a pump.
  std::function<void()> Waker() {
    std::weak_ptr<FeedReactor> weak = this->shared_from_this();
    return [weak] {
      if (std::shared_ptr<FeedReactor> self = weak.lock()) {
        MutexLock lock(&self->mu_);
        ++self->wakes_;
        if (self->idle_) {
          self->SchedulePumpLocked();
        }
      }
    };
  }

  Action SchedulePumpLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    idle_ = false;
    pumping_ = true;
    edge_.executor->Submit([self = this->shared_from_this()] { self->Pump(); });
    return Action{};
  }

  // The next message of the batch, or a pump for the next batch.
  Action NextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (cancelled_) {
      return FinishLocked(Cancelled());
    }
    if (next_ < batch_.size()) {
      writing_ = true;
      return Action{&batch_[next_++], std::nullopt};
    }
    batch_.clear();
    return IdleOrPumpLocked();
  }

  Action FinishLocked(const absl::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) {
      return Action{};
    }
    finished_ = true;
    idle_ = false;  // a late waker schedules nothing
    return Action{nullptr, edge_call_.End(status)};
  }

  const Edge& edge_;
  EdgeCall edge_call_;
  const Opener open_;
  std::unique_ptr<domain::Feed<Message>> feed_;  // used by one pump at a time
  Mutex mu_;
  std::shared_ptr<FeedReactor> self_ ABSL_GUARDED_BY(mu_);  // until OnDone
  std::vector<Message> batch_ ABSL_GUARDED_BY(mu_);         // being written
  size_t next_ ABSL_GUARDED_BY(mu_) = 0;                    // of batch_
  uint64_t wakes_ ABSL_GUARDED_BY(mu_) = 0;                 // calls of the waker
  uint64_t wakes_at_take_ ABSL_GUARDED_BY(mu_) = 0;         // wakes_ when the last take began
  bool caught_up_ ABSL_GUARDED_BY(mu_) = false;             // the last take had everything
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool pumping_ ABSL_GUARDED_BY(mu_) = false;  // a pump is scheduled or running
  bool idle_ ABSL_GUARDED_BY(mu_) = false;     // waiting for the waker
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace cases::server

#endif  // CASES_SERVER_FEED_REACTOR_H_
