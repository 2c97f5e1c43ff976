// ServiceRequestService: the gRPC adapter of domain::ServiceRequests (MDR and
// Managed Risk service requests and the messages exchanged on them).
#ifndef CASES_SERVER_SERVICE_REQUEST_SERVICE_H_
#define CASES_SERVER_SERVICE_REQUEST_SERVICE_H_

#include "domain/service_requests.h"
#include "server/rpc.h"
#include "soc/cases/v1/service_request_service.grpc.pb.h"
#include "tenancy/guard.h"

namespace cases::server {

namespace v1 = ::soc::cases::v1;

// StreamMessages on the callback API, where an open stream holds no thread
// (feed_reactor.h); the rest on the synchronous API.
class ServiceRequestServiceImpl final
    : public v1::ServiceRequestService::WithCallbackMethod_StreamMessages<
          v1::ServiceRequestService::Service> {
 public:
  ServiceRequestServiceImpl(const Edge* edge, const domain::ServiceRequests* requests)
      : edge_(edge), requests_(requests) {}

  grpc::Status CreateServiceRequest(grpc::ServerContext* context,
                                    const v1::CreateServiceRequestRequest* request,
                                    v1::ServiceRequest* response) override;
  grpc::Status GetServiceRequest(grpc::ServerContext* context,
                                 const v1::GetServiceRequestRequest* request,
                                 v1::ServiceRequest* response) override;
  grpc::Status ListServiceRequests(grpc::ServerContext* context,
                                   const v1::ListServiceRequestsRequest* request,
                                   v1::ListServiceRequestsResponse* response) override;
  grpc::Status UpdateServiceRequest(grpc::ServerContext* context,
                                    const v1::UpdateServiceRequestRequest* request,
                                    v1::ServiceRequest* response) override;
  grpc::Status CreateMessage(grpc::ServerContext* context, const v1::CreateMessageRequest* request,
                             v1::Message* response) override;
  grpc::Status ListMessages(grpc::ServerContext* context, const v1::ListMessagesRequest* request,
                            v1::ListMessagesResponse* response) override;
  grpc::ServerWriteReactor<v1::Message>* StreamMessages(
      grpc::CallbackServerContext* context, const v1::StreamMessagesRequest* request) override;

 private:
  const Edge* edge_;
  const domain::ServiceRequests* requests_;
};

}  // namespace cases::server

#endif  // CASES_SERVER_SERVICE_REQUEST_SERVICE_H_
