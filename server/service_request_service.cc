#include "server/service_request_service.h"

#include "server/rpc.h"

namespace cases::server {

grpc::Status ServiceRequestServiceImpl::CreateServiceRequest(
    grpc::ServerContext* context, const v1::CreateServiceRequestRequest* request,
    v1::ServiceRequest* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

grpc::Status ServiceRequestServiceImpl::GetServiceRequest(
    grpc::ServerContext* context, const v1::GetServiceRequestRequest* request,
    v1::ServiceRequest* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

grpc::Status ServiceRequestServiceImpl::ListServiceRequests(
    grpc::ServerContext* context, const v1::ListServiceRequestsRequest* request,
    v1::ListServiceRequestsResponse* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

grpc::Status ServiceRequestServiceImpl::UpdateServiceRequest(
    grpc::ServerContext* context, const v1::UpdateServiceRequestRequest* request,
    v1::ServiceRequest* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

grpc::Status ServiceRequestServiceImpl::CreateMessage(grpc::ServerContext* context,
                                                      const v1::CreateMessageRequest* request,
                                                      v1::Message* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

grpc::Status ServiceRequestServiceImpl::ListMessages(grpc::ServerContext* context,
                                                     const v1::ListMessagesRequest* request,
                                                     v1::ListMessagesResponse* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

grpc::Status ServiceRequestServiceImpl::StreamMessages(grpc::ServerContext* context,
                                                       const v1::StreamMessagesRequest* request,
                                                       grpc::ServerWriter<v1::Message>* writer) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

}  // namespace cases::server
