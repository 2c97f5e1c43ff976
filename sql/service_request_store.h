// Service requests and their messages in MySQL.
#ifndef CASES_SQL_SERVICE_REQUEST_STORE_H_
#define CASES_SQL_SERVICE_REQUEST_STORE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sql/idempotency.h"
#include "sql/list_query.h"
#include "sql/pool.h"

namespace cases::sql {

struct ServiceRequestRow {
  std::string tenant_id, service_request_id;
  int type = 0, status = 0;
  std::string display_name, description, creator;
  absl::Time create_time, update_time;
};

struct MessageRow {
  std::string tenant_id, service_request_id, message_id;
  std::string author;
  int side = 0;
  std::string body;
  absl::Time create_time;
};

// tenants/{tenant}/serviceRequests/{service_request}/messages/{message}.
std::string MessageName(const MessageRow& row);

class ServiceRequestStore {
 public:
  explicit ServiceRequestStore(ConnectionPool* pool) : pool_(pool) {}

  absl::StatusOr<ServiceRequestRow> Create(ServiceRequestRow row,
                                           const std::optional<IdempotencyKey>& key);
  absl::StatusOr<std::optional<ServiceRequestRow>> Get(const std::string& tenant_id,
                                                       const std::string& id);
  absl::StatusOr<std::string> List(const ListParams& params, std::vector<ServiceRequestRow>* out);
  // Locks the request, asks `may_change`, sets the status.
  absl::StatusOr<ServiceRequestRow> UpdateStatus(
      const std::string& tenant_id, const std::string& id, int status,
      const std::function<absl::Status(const ServiceRequestRow&)>& may_change,
      const std::string& actor);

  // Appends a message; the request must exist. A replayed request_id returns the first
  // message. Every message bumps the request's update_time; a customer's message
  // re-opens a RESOLVED request (status OPEN), so the provider sees it.
  absl::StatusOr<MessageRow> CreateMessage(MessageRow row,
                                           const std::optional<IdempotencyKey>& key);
  // Oldest first.
  absl::StatusOr<std::string> ListMessages(const ListParams& params,
                                           const std::string& service_request_id,
                                           std::vector<MessageRow>* out);
  // The message, when it belongs to this request.
  absl::StatusOr<std::optional<MessageRow>> GetMessage(const std::string& tenant_id,
                                                       const std::string& service_request_id,
                                                       const std::string& message_id);
  // Up to `limit` messages with id > `after_id` ("" = from the start), oldest first.
  absl::StatusOr<std::vector<MessageRow>> MessagesAfter(const std::string& tenant_id,
                                                        const std::string& service_request_id,
                                                        const std::string& after_id, int limit);

  static const ListSchema& ServiceRequestSchema();

 private:
  ConnectionPool* pool_;
};

}  // namespace cases::sql

#endif  // CASES_SQL_SERVICE_REQUEST_STORE_H_
