// AutomationService: the gRPC adapter of domain::Automation (case rules). Each
// handler is the edge's four steps: the guard (in Serve), request → command, the
// domain, row → response.
#ifndef CASES_SERVER_AUTOMATION_SERVICE_H_
#define CASES_SERVER_AUTOMATION_SERVICE_H_

#include "domain/automation.h"
#include "server/rpc.h"
#include "soc/cases/v1/automation_service.grpc.pb.h"

namespace cases::server {

namespace v1 = ::soc::cases::v1;

class AutomationServiceImpl final : public v1::AutomationService::Service {
 public:
  AutomationServiceImpl(const Edge* edge, const domain::Automation* automation)
      : edge_(edge), automation_(automation) {}

  grpc::Status CreateCaseRule(grpc::ServerContext* context,
                              const v1::CreateCaseRuleRequest* request,
                              v1::CaseRule* response) override;
  grpc::Status GetCaseRule(grpc::ServerContext* context, const v1::GetCaseRuleRequest* request,
                           v1::CaseRule* response) override;
  grpc::Status ListCaseRules(grpc::ServerContext* context, const v1::ListCaseRulesRequest* request,
                             v1::ListCaseRulesResponse* response) override;
  grpc::Status UpdateCaseRule(grpc::ServerContext* context,
                              const v1::UpdateCaseRuleRequest* request,
                              v1::CaseRule* response) override;
  grpc::Status DeleteCaseRule(grpc::ServerContext* context,
                              const v1::DeleteCaseRuleRequest* request,
                              google::protobuf::Empty* response) override;

 private:
  const Edge* edge_;
  const domain::Automation* automation_;
};

}  // namespace cases::server

#endif  // CASES_SERVER_AUTOMATION_SERVICE_H_
