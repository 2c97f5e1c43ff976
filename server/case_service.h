// CaseService: the gRPC adapter of domain::Cases. Each handler is the same four
// steps: the guard (in Serve), request → command, the domain, row → response.
#ifndef CASES_SERVER_CASE_SERVICE_H_
#define CASES_SERVER_CASE_SERVICE_H_

#include "domain/cases.h"
#include "server/rpc.h"
#include "soc/cases/v1/case_service.grpc.pb.h"
#include "tenancy/guard.h"

namespace cases::server {

namespace v1 = ::soc::cases::v1;

class CaseServiceImpl final : public v1::CaseService::Service {
 public:
  CaseServiceImpl(const Edge* edge, const domain::Cases* cases) : edge_(edge), cases_(cases) {}

  grpc::Status CreateCase(grpc::ServerContext* context, const v1::CreateCaseRequest* request,
                          v1::Case* response) override;
  grpc::Status ConvertAlertToCase(grpc::ServerContext* context,
                                  const v1::ConvertAlertToCaseRequest* request,
                                  v1::Case* response) override;
  grpc::Status GetCase(grpc::ServerContext* context, const v1::GetCaseRequest* request,
                       v1::Case* response) override;
  grpc::Status ListCases(grpc::ServerContext* context, const v1::ListCasesRequest* request,
                         v1::ListCasesResponse* response) override;
  grpc::Status UpdateCase(grpc::ServerContext* context, const v1::UpdateCaseRequest* request,
                          v1::Case* response) override;
  grpc::Status AddCaseDetections(grpc::ServerContext* context,
                                 const v1::AddCaseDetectionsRequest* request,
                                 v1::Case* response) override;
  grpc::Status DeleteCase(grpc::ServerContext* context, const v1::DeleteCaseRequest* request,
                          google::protobuf::Empty* response) override;
  grpc::Status BatchDeleteCases(grpc::ServerContext* context,
                                const v1::BatchDeleteCasesRequest* request,
                                google::protobuf::Empty* response) override;
  grpc::Status ListCaseEvents(grpc::ServerContext* context,
                              const v1::ListCaseEventsRequest* request,
                              v1::ListCaseEventsResponse* response) override;
  grpc::Status CreateQueue(grpc::ServerContext* context, const v1::CreateQueueRequest* request,
                           v1::Queue* response) override;
  grpc::Status ListQueues(grpc::ServerContext* context, const v1::ListQueuesRequest* request,
                          v1::ListQueuesResponse* response) override;
  grpc::Status BatchUpdateCases(grpc::ServerContext* context,
                                const v1::BatchUpdateCasesRequest* request,
                                v1::BatchUpdateCasesResponse* response) override;
  grpc::Status GetCaseStats(grpc::ServerContext* context, const v1::GetCaseStatsRequest* request,
                            v1::CaseStats* response) override;
  grpc::Status GetSlaPolicy(grpc::ServerContext* context, const v1::GetSlaPolicyRequest* request,
                            v1::SlaPolicy* response) override;
  grpc::Status UpdateSlaPolicy(grpc::ServerContext* context,
                               const v1::UpdateSlaPolicyRequest* request,
                               v1::SlaPolicy* response) override;
  grpc::Status CreateCaseNote(grpc::ServerContext* context,
                              const v1::CreateCaseNoteRequest* request,
                              v1::CaseNote* response) override;
  grpc::Status ListCaseNotes(grpc::ServerContext* context, const v1::ListCaseNotesRequest* request,
                             v1::ListCaseNotesResponse* response) override;
  grpc::Status UpdateCaseNote(grpc::ServerContext* context,
                              const v1::UpdateCaseNoteRequest* request,
                              v1::CaseNote* response) override;
  grpc::Status DeleteCaseNote(grpc::ServerContext* context,
                              const v1::DeleteCaseNoteRequest* request,
                              google::protobuf::Empty* response) override;

 private:
  const Edge* edge_;
  const domain::Cases* cases_;
};

}  // namespace cases::server

#endif  // CASES_SERVER_CASE_SERVICE_H_
