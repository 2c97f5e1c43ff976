// The service-requests unit of the domain layer: MDR and Managed Risk service
// requests, and the messages customers and the provider's teams exchange on
// them, including the live message stream fed by the one fan-out hub.
#ifndef CASES_DOMAIN_SERVICE_REQUESTS_H_
#define CASES_DOMAIN_SERVICE_REQUESTS_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "domain/activity_hub.h"
#include "domain/feed.h"
#include "domain/page.h"
#include "soc/cases/v1/service_request_service.pb.h"
#include "sql/service_request_store.h"
#include "tenancy/guard.h"

namespace cases::domain {

// The product whose licence and roles govern a request of this type, and back.
::soc::cases::v1::Product ProductOfRequestType(int type);
int RequestTypeOfProduct(::soc::cases::v1::Product product);

// The side a message is posted from: provider principals post provider messages.
int MessageSideOf(const tenancy::Principal& principal);

// What StreamMessages.start_after must be, malformed or unknown alike.
inline constexpr char kStartAfterRule[] =
    "must be the name of an existing message of this service request";

class ServiceRequests {
 public:
  ServiceRequests(const tenancy::Guard* guard, sql::ServiceRequestStore* store, ActivityHub* hub)
      : guard_(guard), store_(store), hub_(hub) {}

  // `fields`: type, display name, description (validated).
  absl::StatusOr<sql::ServiceRequestRow> Create(
      const tenancy::CallContext& call, sql::ServiceRequestRow fields,
      const std::optional<sql::IdempotencyKey>& key) const;
  absl::StatusOr<sql::ServiceRequestRow> Get(const tenancy::CallContext& call,
                                             const std::string& id) const;
  absl::StatusOr<Page<sql::ServiceRequestRow>> List(const tenancy::CallContext& call,
                                                    sql::ListParams params) const;
  absl::StatusOr<sql::ServiceRequestRow> UpdateStatus(const tenancy::CallContext& call,
                                                      const std::string& id, int status) const;

  absl::StatusOr<sql::MessageRow> CreateMessage(
      const tenancy::CallContext& call, const std::string& request_id, const std::string& body,
      const std::optional<sql::IdempotencyKey>& key) const;
  absl::StatusOr<Page<sql::MessageRow>> ListMessages(const tenancy::CallContext& call,
                                                     const std::string& request_id,
                                                     const PageRequest& page) const;

  // StreamMessages: the messages after `start_after` (a message id; empty: from
  // the first), then new ones as they commit (their MESSAGE_CREATED activities,
  // from the hub), each once. `waker`: the hub's (feed.h).
  absl::StatusOr<std::unique_ptr<Feed<::soc::cases::v1::Message>>> OpenMessages(
      const tenancy::CallContext& call, const std::string& request_id,
      const std::string& start_after, std::function<void()> waker) const;

 private:
  const tenancy::Guard* guard_;
  sql::ServiceRequestStore* store_;
  ActivityHub* hub_;
};

}  // namespace cases::domain

#endif  // CASES_DOMAIN_SERVICE_REQUESTS_H_
