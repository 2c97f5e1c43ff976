// AutomationService: the gRPC adapter of domain::Automation (case rules, here)
// and domain::Subscriptions (webhooks, subscription_handlers.cc). Each
// handler is the edge's four steps: the guard (in Serve), request → command, the
// domain, row → response.
#ifndef CASES_SERVER_AUTOMATION_SERVICE_H_
#define CASES_SERVER_AUTOMATION_SERVICE_H_

#include "domain/automation.h"
#include "domain/subscriptions.h"
#include "server/rpc.h"
#include "soc/cases/v1/automation_service.grpc.pb.h"

namespace cases::server {

namespace v1 = ::soc::cases::v1;

class AutomationServiceImpl final : public v1::AutomationService::Service {
 public:
  AutomationServiceImpl(const Edge* edge, const domain::Automation* automation,
                        const domain::Subscriptions* subscriptions)
      : edge_(edge), automation_(automation), subscriptions_(subscriptions) {}

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

  grpc::Status CreateSubscription(grpc::ServerContext* context,
                                  const v1::CreateSubscriptionRequest* request,
                                  v1::Subscription* response) override;
  grpc::Status GetSubscription(grpc::ServerContext* context,
                               const v1::GetSubscriptionRequest* request,
                               v1::Subscription* response) override;
  grpc::Status ListSubscriptions(grpc::ServerContext* context,
                                 const v1::ListSubscriptionsRequest* request,
                                 v1::ListSubscriptionsResponse* response) override;
  grpc::Status UpdateSubscription(grpc::ServerContext* context,
                                  const v1::UpdateSubscriptionRequest* request,
                                  v1::Subscription* response) override;
  grpc::Status DeleteSubscription(grpc::ServerContext* context,
                                  const v1::DeleteSubscriptionRequest* request,
                                  google::protobuf::Empty* response) override;
  grpc::Status ListDeliveries(grpc::ServerContext* context,
                              const v1::ListDeliveriesRequest* request,
                              v1::ListDeliveriesResponse* response) override;

 private:
  const Edge* edge_;
  const domain::Automation* automation_;
  const domain::Subscriptions* subscriptions_;
};

}  // namespace cases::server

#endif  // CASES_SERVER_AUTOMATION_SERVICE_H_
