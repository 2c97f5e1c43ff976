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

class CaseServiceImpl final : public v1::CaseService::CallbackService {
 public:
  CaseServiceImpl(const Edge* edge, const domain::Cases* cases) : edge_(edge), cases_(cases) {}

  grpc::ServerUnaryReactor* CreateCase(grpc::CallbackServerContext* context,
                                       const v1::CreateCaseRequest* request,
                                       v1::Case* response) override;
  grpc::ServerUnaryReactor* ConvertAlertToCase(grpc::CallbackServerContext* context,
                                               const v1::ConvertAlertToCaseRequest* request,
                                               v1::Case* response) override;
  grpc::ServerUnaryReactor* GetCase(grpc::CallbackServerContext* context,
                                    const v1::GetCaseRequest* request, v1::Case* response) override;
  grpc::ServerUnaryReactor* ListCases(grpc::CallbackServerContext* context,
                                      const v1::ListCasesRequest* request,
                                      v1::ListCasesResponse* response) override;
  grpc::ServerUnaryReactor* UpdateCase(grpc::CallbackServerContext* context,
                                       const v1::UpdateCaseRequest* request,
                                       v1::Case* response) override;
  grpc::ServerUnaryReactor* AddCaseDetections(grpc::CallbackServerContext* context,
                                              const v1::AddCaseDetectionsRequest* request,
                                              v1::Case* response) override;
  grpc::ServerUnaryReactor* DeleteCase(grpc::CallbackServerContext* context,
                                       const v1::DeleteCaseRequest* request,
                                       google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* BatchDeleteCases(grpc::CallbackServerContext* context,
                                             const v1::BatchDeleteCasesRequest* request,
                                             google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* ListCaseEvents(grpc::CallbackServerContext* context,
                                           const v1::ListCaseEventsRequest* request,
                                           v1::ListCaseEventsResponse* response) override;
  grpc::ServerUnaryReactor* CreateQueue(grpc::CallbackServerContext* context,
                                        const v1::CreateQueueRequest* request,
                                        v1::Queue* response) override;
  grpc::ServerUnaryReactor* ListQueues(grpc::CallbackServerContext* context,
                                       const v1::ListQueuesRequest* request,
                                       v1::ListQueuesResponse* response) override;
  grpc::ServerUnaryReactor* BatchUpdateCases(grpc::CallbackServerContext* context,
                                             const v1::BatchUpdateCasesRequest* request,
                                             v1::BatchUpdateCasesResponse* response) override;
  grpc::ServerUnaryReactor* GetCaseStats(grpc::CallbackServerContext* context,
                                         const v1::GetCaseStatsRequest* request,
                                         v1::CaseStats* response) override;
  grpc::ServerUnaryReactor* GetSlaPolicy(grpc::CallbackServerContext* context,
                                         const v1::GetSlaPolicyRequest* request,
                                         v1::SlaPolicy* response) override;
  grpc::ServerUnaryReactor* UpdateSlaPolicy(grpc::CallbackServerContext* context,
                                            const v1::UpdateSlaPolicyRequest* request,
                                            v1::SlaPolicy* response) override;
  grpc::ServerUnaryReactor* CreateCaseNote(grpc::CallbackServerContext* context,
                                           const v1::CreateCaseNoteRequest* request,
                                           v1::CaseNote* response) override;
  grpc::ServerUnaryReactor* ListCaseNotes(grpc::CallbackServerContext* context,
                                          const v1::ListCaseNotesRequest* request,
                                          v1::ListCaseNotesResponse* response) override;
  grpc::ServerUnaryReactor* UpdateCaseNote(grpc::CallbackServerContext* context,
                                           const v1::UpdateCaseNoteRequest* request,
                                           v1::CaseNote* response) override;
  grpc::ServerUnaryReactor* DeleteCaseNote(grpc::CallbackServerContext* context,
                                           const v1::DeleteCaseNoteRequest* request,
                                           google::protobuf::Empty* response) override;

 private:
  const Edge* edge_;
  const domain::Cases* cases_;
};

}  // namespace cases::server

#endif  // CASES_SERVER_CASE_SERVICE_H_
