// SOC Cases C++ SDK: the generated gRPC stubs of soc.cases.v1 plus what every
// caller needs — channel set-up (plaintext, TLS, mTLS), the bearer token on each
// call, a default deadline, retries with jittered backoff (UNAVAILABLE, and
// creates carrying a request_id, filled in automatically), typed access to the
// google.rpc error details, and range-for iteration over List calls.
//
//   cases::client::Client client(cases::client::MakeChannel({"127.0.0.1:50051"}), token);
//   v1::ListCasesRequest request;
//   request.set_parent("tenants/-");
//   auto cases = client.ListAll(client.cases(), &v1::CaseService::Stub::ListCases, request,
//                               &v1::ListCasesResponse::cases);
//   for (const v1::Case& c : cases) { ... }
//   if (!cases.status().ok()) { auto details = cases::client::DetailsOf(cases.status()); ... }
#ifndef CASES_CLIENT_CLIENT_H_
#define CASES_CLIENT_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "soc/cases/v1/activity_service.grpc.pb.h"
#include "soc/cases/v1/automation_service.grpc.pb.h"
#include "soc/cases/v1/case_service.grpc.pb.h"
#include "soc/cases/v1/detection_service.grpc.pb.h"
#include "soc/cases/v1/service_request_service.grpc.pb.h"
#include "soc/cases/v1/tenancy_service.grpc.pb.h"

namespace cases::client {

namespace v1 = ::soc::cases::v1;

struct ChannelOptions {
  std::string target = "127.0.0.1:50051";
  enum class Security { kPlaintext, kTls, kMutualTls };
  Security security = Security::kPlaintext;
  std::string ca_pem;                // TLS: roots to trust (empty: the system's)
  std::string cert_pem;              // mTLS: the client certificate chain
  std::string key_pem;               // mTLS: its private key
  std::string server_name_override;  // TLS: name to check in the server certificate
};

std::shared_ptr<grpc::Channel> MakeChannel(const ChannelOptions& options);

struct CallOptions {
  std::chrono::milliseconds deadline{10000};  // per attempt
  int max_attempts = 4;
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
};

// The google.rpc details of an error, typed.
struct ErrorDetails {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string message;
  std::string reason;  // ErrorInfo.reason, e.g. "LICENSE_REQUIRED"
  std::string domain;  // "cases.soc"
  std::map<std::string, std::string> metadata;
  std::vector<std::pair<std::string, std::string>> field_violations;  // field, description
  std::optional<std::chrono::milliseconds> retry_delay;               // RetryInfo
};
ErrorDetails DetailsOf(const grpc::Status& status);

// Whether a call may be sent again, and after how long (nullopt: do not retry).
// Exposed for tests; Client::Call applies it.
std::optional<std::chrono::milliseconds> RetryDelay(const grpc::Status& status, bool retry_safe,
                                                    int attempt, const CallOptions& options);

// Fills an empty request_id with a new UUID; true when the request is safe to
// send again (it has a request_id, or it is a Get/List/Stream read).
bool PrepareForRetry(google::protobuf::Message* request);

// Pages of a List call as one range; fetching stops at the first error, which
// status() then reports.
template <typename Item>
class Pager {
 public:
  using Fetch = std::function<grpc::Status(const std::string& page_token, std::vector<Item>* items,
                                           std::string* next_page_token)>;
  explicit Pager(Fetch fetch) : fetch_(std::move(fetch)) {}

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Item;
    using difference_type = std::ptrdiff_t;
    using pointer = const Item*;
    using reference = const Item&;
    iterator() = default;
    explicit iterator(Pager* pager) : pager_(pager) { Settle(); }
    const Item& operator*() const { return pager_->page_[index_]; }
    const Item* operator->() const { return &pager_->page_[index_]; }
    iterator& operator++() {
      ++index_;
      Settle();
      return *this;
    }
    bool operator==(const iterator& other) const {
      return pager_ == other.pager_ && index_ == other.index_;
    }
    bool operator!=(const iterator& other) const { return !(*this == other); }

   private:
    // Moves to the next page when this one is used up; becomes end() when done.
    void Settle() {
      while (pager_ != nullptr && index_ >= pager_->page_.size()) {
        if (!pager_->FetchNext()) {
          pager_ = nullptr;
          index_ = 0;
          return;
        }
        index_ = 0;
      }
    }
    Pager* pager_ = nullptr;
    size_t index_ = 0;
  };

  iterator begin() { return iterator(this); }
  iterator end() { return iterator(); }
  const grpc::Status& status() const { return status_; }
  int pages() const { return pages_; }

 private:
  bool FetchNext() {
    if (done_) {
      return false;
    }
    page_.clear();
    std::string next;
    status_ = fetch_(token_, &page_, &next);
    ++pages_;
    if (!status_.ok()) {
      done_ = true;
      page_.clear();
      return false;
    }
    token_ = next;
    done_ = token_.empty();
    return !page_.empty() || !done_;
  }

  Fetch fetch_;
  std::vector<Item> page_;
  std::string token_;
  bool done_ = false;
  int pages_ = 0;
  grpc::Status status_;
};

class Client {
 public:
  Client(std::shared_ptr<grpc::Channel> channel, std::string token, CallOptions options = {});

  v1::CaseService::Stub& cases() { return *cases_; }
  v1::DetectionService::Stub& detections() { return *detections_; }
  v1::ServiceRequestService::Stub& requests() { return *requests_; }
  v1::TenancyService::Stub& tenancy() { return *tenancy_; }
  v1::AutomationService::Stub& automation() { return *automation_; }
  v1::ActivityService::Stub& activities() { return *activities_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  void set_token(std::string token) { token_ = std::move(token); }
  const CallOptions& options() const { return options_; }

  // A context with the bearer token and `deadline` (default: the per-call one).
  std::unique_ptr<grpc::ClientContext> NewContext(
      std::optional<std::chrono::milliseconds> deadline = {}) const;

  // One unary call with the token, the deadline and the retry policy.
  template <typename Stub, typename Request, typename Response>
  grpc::Status Call(Stub& stub,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    Request request, Response* response) {
    const bool retry_safe = PrepareForRetry(&request);
    for (int attempt = 1;; ++attempt) {
      auto context = NewContext();
      grpc::Status status = (stub.*method)(context.get(), request, response);
      auto delay = RetryDelay(status, retry_safe, attempt, options_);
      if (!delay.has_value()) {
        return status;
      }
      Sleep(*delay);
    }
  }

  // Every item of a List call, page after page, following next_page_token.
  template <typename Stub, typename Request, typename Response, typename Item>
  Pager<Item> ListAll(Stub& stub,
                      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                      Request request,
                      const google::protobuf::RepeatedPtrField<Item>& (Response::*items)() const) {
    return Pager<Item>([this, &stub, method, request, items](const std::string& token,
                                                             std::vector<Item>* out,
                                                             std::string* next) mutable {
      request.set_page_token(token);
      Response response;
      grpc::Status status = Call(stub, method, request, &response);
      if (status.ok()) {
        out->assign((response.*items)().begin(), (response.*items)().end());
        *next = response.next_page_token();
      }
      return status;
    });
  }

 private:
  static void Sleep(std::chrono::milliseconds delay);

  std::shared_ptr<grpc::Channel> channel_;
  std::string token_;
  CallOptions options_;
  std::unique_ptr<v1::CaseService::Stub> cases_;
  std::unique_ptr<v1::DetectionService::Stub> detections_;
  std::unique_ptr<v1::ServiceRequestService::Stub> requests_;
  std::unique_ptr<v1::TenancyService::Stub> tenancy_;
  std::unique_ptr<v1::AutomationService::Stub> automation_;
  std::unique_ptr<v1::ActivityService::Stub> activities_;
};

}  // namespace cases::client

#endif  // CASES_CLIENT_CLIENT_H_
