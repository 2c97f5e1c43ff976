#include "server/case_service.h"

#include "server/rpc.h"

namespace cases::server {

grpc::Status CaseServiceImpl::CreateCase(grpc::ServerContext* context,
                                         const v1::CreateCaseRequest* request, v1::Case* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

grpc::Status CaseServiceImpl::ConvertAlertToCase(grpc::ServerContext* context,
                                                 const v1::ConvertAlertToCaseRequest* request,
                                                 v1::Case* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

grpc::Status CaseServiceImpl::GetCase(grpc::ServerContext* context,
                                      const v1::GetCaseRequest* request, v1::Case* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

grpc::Status CaseServiceImpl::ListCases(grpc::ServerContext* context,
                                        const v1::ListCasesRequest* request,
                                        v1::ListCasesResponse* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

grpc::Status CaseServiceImpl::UpdateCase(grpc::ServerContext* context,
                                         const v1::UpdateCaseRequest* request, v1::Case* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

grpc::Status CaseServiceImpl::AddCaseDetections(grpc::ServerContext* context,
                                                const v1::AddCaseDetectionsRequest* request,
                                                v1::Case* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

grpc::Status CaseServiceImpl::DeleteCase(grpc::ServerContext* context,
                                         const v1::DeleteCaseRequest* request,
                                         google::protobuf::Empty* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

grpc::Status CaseServiceImpl::BatchDeleteCases(grpc::ServerContext* context,
                                               const v1::BatchDeleteCasesRequest* request,
                                               google::protobuf::Empty* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

grpc::Status CaseServiceImpl::ListCaseEvents(grpc::ServerContext* context,
                                             const v1::ListCaseEventsRequest* request,
                                             v1::ListCaseEventsResponse* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

grpc::Status CaseServiceImpl::CreateQueue(grpc::ServerContext* context,
                                          const v1::CreateQueueRequest* request,
                                          v1::Queue* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

grpc::Status CaseServiceImpl::ListQueues(grpc::ServerContext* context,
                                         const v1::ListQueuesRequest* request,
                                         v1::ListQueuesResponse* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

}  // namespace cases::server
