// CaseService: the case lifecycle of both seed documents.
#ifndef CASES_SERVER_CASE_SERVICE_H_
#define CASES_SERVER_CASE_SERVICE_H_

#include "absl/time/time.h"
#include "soc/cases/v1/case_service.grpc.pb.h"
#include "sql/case_store.h"
#include "server/rpc.h"
#include "tenancy/guard.h"

namespace cases::server {

namespace v1 = ::soc::cases::v1;

class CaseServiceImpl final : public v1::CaseService::Service {
 public:
  CaseServiceImpl(const Edge* edge, sql::CaseStore* store, absl::Duration retention)
      : edge_(edge), store_(store), retention_(retention) {}

  grpc::Status CreateCase(grpc::ServerContext* context, const v1::CreateCaseRequest* request,
                          v1::Case* response) override;
  grpc::Status ConvertAlertToCase(grpc::ServerContext* context, const v1::ConvertAlertToCaseRequest* request,
                                  v1::Case* response) override;
  grpc::Status GetCase(grpc::ServerContext* context, const v1::GetCaseRequest* request,
                       v1::Case* response) override;
  grpc::Status ListCases(grpc::ServerContext* context, const v1::ListCasesRequest* request,
                         v1::ListCasesResponse* response) override;
  grpc::Status UpdateCase(grpc::ServerContext* context, const v1::UpdateCaseRequest* request,
                          v1::Case* response) override;
  grpc::Status AddCaseDetections(grpc::ServerContext* context, const v1::AddCaseDetectionsRequest* request,
                                 v1::Case* response) override;
  grpc::Status DeleteCase(grpc::ServerContext* context, const v1::DeleteCaseRequest* request,
                          google::protobuf::Empty* response) override;
  grpc::Status BatchDeleteCases(grpc::ServerContext* context, const v1::BatchDeleteCasesRequest* request,
                                google::protobuf::Empty* response) override;
  grpc::Status ListCaseEvents(grpc::ServerContext* context, const v1::ListCaseEventsRequest* request,
                              v1::ListCaseEventsResponse* response) override;
  grpc::Status CreateQueue(grpc::ServerContext* context, const v1::CreateQueueRequest* request,
                           v1::Queue* response) override;
  grpc::Status ListQueues(grpc::ServerContext* context, const v1::ListQueuesRequest* request,
                          v1::ListQueuesResponse* response) override;

 private:
  // Loads a case the caller may act on under the call's rule (or `action`).
  absl::StatusOr<sql::CaseRow> LoadAuthorized(const tenancy::CallContext& call, const std::string& name,
                                              const std::string& field);

  const Edge* edge_;
  sql::CaseStore* store_;
  const absl::Duration retention_;
};

}  // namespace cases::server

#endif  // CASES_SERVER_CASE_SERVICE_H_
