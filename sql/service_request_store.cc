#include "sql/service_request_store.h"

#include <cppconn/prepared_statement.h>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "soc/cases/v1/activity_service.pb.h"
#include "soc/cases/v1/service_request_service.pb.h"
#include "sql/activities.h"
#include "sql/db_time.h"
#include "sql/tables.h"
#include "sql/transaction.h"

namespace cases::sql {
namespace {

namespace v1 = ::soc::cases::v1;

std::optional<ServiceRequestRow> SelectRequest(Lease& db, const std::string& tenant_id,
                                               const std::string& id, bool for_update) {
  auto& stmt = db.Prepare(
      absl::StrCat("SELECT ", ServiceRequestTable().List(),
                   " FROM service_requests WHERE tenant_id = ? AND service_request_id = ?",
                   for_update ? " FOR UPDATE" : ""));
  stmt.setString(1, tenant_id);
  stmt.setString(2, id);
  std::unique_ptr<::sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) {
    return std::nullopt;
  }
  return ReadServiceRequest(*rs);
}

std::optional<MessageRow> SelectMessage(Lease& db, const std::string& tenant_id,
                                        const std::string& request_id,
                                        const std::string& message_id) {
  auto& stmt = db.Prepare(absl::StrCat(
      "SELECT ", MessageTable().List(),
      " FROM messages WHERE tenant_id = ? AND service_request_id = ? AND message_id = ?"));
  stmt.setString(1, tenant_id);
  stmt.setString(2, request_id);
  stmt.setString(3, message_id);
  std::unique_ptr<::sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) {
    return std::nullopt;
  }
  return ReadMessage(*rs);
}

const ListSchema& MessageSchema() {
  static const ListSchema* schema =
      new ListSchema{"ListMessages",
                     "messages",
                     MessageTable().List(),
                     {},
                     {{"create_time", {{"message_id", FieldType::kResource}}}},
                     "create_time"};
  return *schema;
}

// A request's status change, as the feed lists it.
FieldChangeRow StatusChange(const ServiceRequestRow& before, const ServiceRequestRow& after) {
  return {"status",
          v1::ServiceRequestStatus_Name(static_cast<v1::ServiceRequestStatus>(before.status)),
          v1::ServiceRequestStatus_Name(static_cast<v1::ServiceRequestStatus>(after.status))};
}

}  // namespace

std::string MessageName(const MessageRow& row) {
  return absl::StrCat(ChildName(row.tenant_id, "serviceRequests", row.service_request_id),
                      "/messages/", IdToText(row.message_id));
}

const ListSchema& ServiceRequestStore::ServiceRequestSchema() {
  static const ListSchema* schema = new ListSchema{
      "ListServiceRequests",
      "service_requests",
      ServiceRequestTable().List(),
      {{"type", "type", FieldType::kEnum, v1::ServiceRequestType_descriptor()},
       {"status", "status", FieldType::kEnum, v1::ServiceRequestStatus_descriptor()},
       {"create_time", "create_time", FieldType::kTime},
       {"update_time", "update_time", FieldType::kTime},
       {"tenant", "tenant_id", FieldType::kResource}},
      {{"create_time",
        {{"create_time", FieldType::kTime}, {"service_request_id", FieldType::kResource}}},
       {"update_time",
        {{"update_time", FieldType::kTime}, {"service_request_id", FieldType::kResource}}}},
      "create_time desc"};
  return *schema;
}

absl::StatusOr<ServiceRequestRow> ServiceRequestStore::Create(
    ServiceRequestRow row, const std::optional<IdempotencyKey>& key) {
  ServiceRequestRow result;
  absl::Status status = RunInTransaction(*pool_, [&](Lease& db) -> absl::Status {
    const absl::Time now = DbNow();
    row.service_request_id = NewIdBytes(now);
    row.create_time = row.update_time = now;
    auto replayed = ReplayOrClaim(
        db, key, ChildName(row.tenant_id, "serviceRequests", row.service_request_id),
        [&](const std::string& id) { return SelectRequest(db, row.tenant_id, id, false); },
        &result);
    if (!replayed.ok() || *replayed) {
      return replayed.status();
    }
    auto& insert =
        db.Prepare(absl::StrCat("INSERT INTO service_requests (", ServiceRequestTable().List(),
                                ") VALUES ", ServiceRequestTable().ValueGroup()));
    ServiceRequestTable().Bind(insert, 1, row);
    insert.execute();
    result = row;
    RecordActivity(
        db, ServiceRequestActivity(v1::ACTIVITY_TYPE_SERVICE_REQUEST_CREATED, row, row.creator));
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return result;
}

absl::StatusOr<std::optional<ServiceRequestRow>> ServiceRequestStore::Get(
    const std::string& tenant_id, const std::string& id) {
  return QueryValue<std::optional<ServiceRequestRow>>(
      *pool_, [&](Lease& db) { return SelectRequest(db, tenant_id, id, false); });
}

absl::StatusOr<std::string> ServiceRequestStore::List(const ListParams& params,
                                                      std::vector<ServiceRequestRow>* out) {
  return RunListPage(*pool_, ServiceRequestSchema(), params, &ReadServiceRequest, out);
}

absl::StatusOr<ServiceRequestRow> ServiceRequestStore::UpdateStatus(
    const std::string& tenant_id, const std::string& id, int status,
    const std::function<absl::Status(const ServiceRequestRow&)>& may_change,
    const std::string& actor) {
  ServiceRequestRow result;
  absl::Status s = RunInTransaction(*pool_, [&](Lease& db) -> absl::Status {
    auto current = SelectRequest(db, tenant_id, id, true);
    if (!current.has_value()) {
      return NotFound("service request", ChildName(tenant_id, "serviceRequests", id));
    }
    RETURN_IF_ERROR(may_change(*current));
    result = *current;
    if (current->status == status) {
      return absl::OkStatus();
    }
    result.status = status;
    result.update_time = DbNow();
    auto& update = db.Prepare(
        "UPDATE service_requests SET status = ?, update_time = ? WHERE tenant_id = ? AND "
        "service_request_id = ?");
    update.setInt(1, status);
    update.setString(2, FormatDbTime(result.update_time));
    update.setString(3, tenant_id);
    update.setString(4, id);
    update.execute();
    RecordActivity(db, ServiceRequestActivity(v1::ACTIVITY_TYPE_SERVICE_REQUEST_UPDATED, result,
                                              actor, {StatusChange(*current, result)}));
    return absl::OkStatus();
  });
  if (!s.ok()) {
    return s;
  }
  return result;
}

absl::StatusOr<MessageRow> ServiceRequestStore::CreateMessage(
    MessageRow row, const std::optional<IdempotencyKey>& key) {
  MessageRow result;
  absl::Status status = RunInTransaction(*pool_, [&](Lease& db) -> absl::Status {
    const absl::Time now = DbNow();
    row.message_id = NewIdBytes(now);
    row.create_time = now;
    auto replayed = ReplayOrClaim(
        db, key, MessageName(row),
        [&](const std::string& id) {
          return SelectMessage(db, row.tenant_id, row.service_request_id, id);
        },
        &result);
    if (!replayed.ok() || *replayed) {
      return replayed.status();
    }
    // Locked, so the feed's status change is the one this message makes.
    std::optional<ServiceRequestRow> request =
        SelectRequest(db, row.tenant_id, row.service_request_id, true);
    if (!request.has_value()) {
      return NotFound("service request",
                      ChildName(row.tenant_id, "serviceRequests", row.service_request_id));
    }
    auto& insert = db.Prepare(absl::StrCat("INSERT INTO messages (", MessageTable().List(),
                                           ") VALUES ", MessageTable().ValueGroup()));
    MessageTable().Bind(insert, 1, row);
    insert.execute();
    // A message makes its request recently updated; the customer writing again
    // re-opens a resolved request.
    ServiceRequestRow after = *request;
    after.update_time = now;
    if (row.side == v1::MESSAGE_SIDE_CUSTOMER &&
        request->status == v1::SERVICE_REQUEST_STATUS_RESOLVED) {
      after.status = v1::SERVICE_REQUEST_STATUS_OPEN;
    }
    auto& touch = db.Prepare(
        "UPDATE service_requests SET update_time = ?, status = ? "
        "WHERE tenant_id = ? AND service_request_id = ?");
    touch.setString(1, FormatDbTime(now));
    touch.setInt(2, after.status);
    touch.setString(3, row.tenant_id);
    touch.setString(4, row.service_request_id);
    touch.execute();
    RecordActivity(db, MessageActivity(row, request->type));
    if (after.status != request->status) {
      RecordActivity(db, ServiceRequestActivity(v1::ACTIVITY_TYPE_SERVICE_REQUEST_UPDATED, after,
                                                row.author, {StatusChange(*request, after)}));
    }
    result = row;
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return result;
}

absl::StatusOr<std::string> ServiceRequestStore::ListMessages(const ListParams& params,
                                                              const std::string& service_request_id,
                                                              std::vector<MessageRow>* out) {
  ListParams scoped = params;
  scoped.scope = {"service_request_id = ?", {service_request_id}};
  return RunListPage(*pool_, MessageSchema(), scoped, &ReadMessage, out);
}

absl::StatusOr<std::optional<MessageRow>> ServiceRequestStore::GetMessage(
    const std::string& tenant_id, const std::string& service_request_id,
    const std::string& message_id) {
  return QueryValue<std::optional<MessageRow>>(*pool_, [&](Lease& db) {
    return SelectMessage(db, tenant_id, service_request_id, message_id);
  });
}

absl::StatusOr<std::vector<MessageRow>> ServiceRequestStore::MessagesAfter(
    const std::string& tenant_id, const std::string& service_request_id,
    const std::string& after_id, int limit) {
  std::vector<MessageRow> out;
  absl::Status s = RunQuery(*pool_, [&](Lease& db) {
    auto& stmt =
        db.Prepare(absl::StrCat("SELECT ", MessageTable().List(),
                                " FROM messages WHERE tenant_id = ? AND service_request_id = ? AND "
                                "message_id > ? ORDER BY message_id LIMIT ?"));
    stmt.setString(1, tenant_id);
    stmt.setString(2, service_request_id);
    stmt.setString(3, after_id);
    stmt.setInt(4, limit);
    std::unique_ptr<::sql::ResultSet> rs(stmt.executeQuery());
    while (rs->next()) {
      out.push_back(ReadMessage(*rs));
    }
    return absl::OkStatus();
  });
  if (!s.ok()) {
    return s;
  }
  return out;
}

}  // namespace cases::sql
