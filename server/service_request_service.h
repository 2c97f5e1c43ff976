// ServiceRequestService: MDR and Managed Risk service requests and the messages
// customers and the provider's teams exchange on them.
#ifndef CASES_SERVER_SERVICE_REQUEST_SERVICE_H_
#define CASES_SERVER_SERVICE_REQUEST_SERVICE_H_

#include "server/message_hub.h"
#include "soc/cases/v1/service_request_service.grpc.pb.h"
#include "sql/service_request_store.h"
#include "server/rpc.h"
#include "tenancy/guard.h"

namespace cases::server {

namespace v1 = ::soc::cases::v1;

class ServiceRequestServiceImpl final : public v1::ServiceRequestService::Service {
 public:
  ServiceRequestServiceImpl(const Edge* edge, sql::ServiceRequestStore* store, MessageHub* hub)
      : edge_(edge), store_(store), hub_(hub) {}

  grpc::Status CreateServiceRequest(grpc::ServerContext* context, const v1::CreateServiceRequestRequest* request,
                                    v1::ServiceRequest* response) override;
  grpc::Status GetServiceRequest(grpc::ServerContext* context, const v1::GetServiceRequestRequest* request,
                                 v1::ServiceRequest* response) override;
  grpc::Status ListServiceRequests(grpc::ServerContext* context, const v1::ListServiceRequestsRequest* request,
                                   v1::ListServiceRequestsResponse* response) override;
  grpc::Status UpdateServiceRequest(grpc::ServerContext* context, const v1::UpdateServiceRequestRequest* request,
                                    v1::ServiceRequest* response) override;
  grpc::Status CreateMessage(grpc::ServerContext* context, const v1::CreateMessageRequest* request,
                             v1::Message* response) override;
  grpc::Status ListMessages(grpc::ServerContext* context, const v1::ListMessagesRequest* request,
                            v1::ListMessagesResponse* response) override;
  grpc::Status StreamMessages(grpc::ServerContext* context, const v1::StreamMessagesRequest* request,
                              grpc::ServerWriter<v1::Message>* writer) override;

 private:
  // The request named by `name`, if the caller may act on its product under the call's rule.
  absl::StatusOr<sql::ServiceRequestRow> LoadAuthorized(const tenancy::CallContext& call, const std::string& name,
                                                        const std::string& field);

  const Edge* edge_;
  sql::ServiceRequestStore* store_;
  MessageHub* hub_;
};

}  // namespace cases::server

#endif  // CASES_SERVER_SERVICE_REQUEST_SERVICE_H_
