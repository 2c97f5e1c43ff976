#include "server/case_service.h"

#include "common/status_macros.h"
#include "server/case_mapping.h"
#include "server/mapping.h"

namespace cases::server {

using tenancy::CallContext;

grpc::Status CaseServiceImpl::CreateCase(grpc::ServerContext* context,
                                         const v1::CreateCaseRequest* request, v1::Case* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(domain::CreateCaseCommand command, CreateCaseCommandOf(call, *request));
    ASSIGN_OR_RETURN(sql::CaseRow row, cases_->Create(call, std::move(command)));
    CaseToProto(call, row, response);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::ConvertAlertToCase(grpc::ServerContext* context,
                                                 const v1::ConvertAlertToCaseRequest* request,
                                                 v1::Case* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(domain::ConvertAlertCommand command, ConvertAlertCommandOf(call, *request));
    ASSIGN_OR_RETURN(sql::CaseRow row, cases_->Convert(call, std::move(command)));
    CaseToProto(call, row, response);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::GetCase(grpc::ServerContext* context,
                                      const v1::GetCaseRequest* request, v1::Case* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(sql::CaseRow row, cases_->Get(call, call.target.id()));
    CaseToProto(call, row, response);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::ListCases(grpc::ServerContext* context,
                                        const v1::ListCasesRequest* request,
                                        v1::ListCasesResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(sql::ListParams params, ListParamsFor(call, *request));
    ASSIGN_OR_RETURN(domain::Page<sql::CaseRow> page, cases_->List(call, std::move(params)));
    for (const auto& row : page.rows) {
      CaseToProto(call, row, response->add_cases());
    }
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::UpdateCase(grpc::ServerContext* context,
                                         const v1::UpdateCaseRequest* request, v1::Case* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(domain::UpdateCaseCommand command, UpdateCaseCommandOf(call, *request));
    ASSIGN_OR_RETURN(sql::CaseRow row, cases_->Update(call, std::move(command)));
    CaseToProto(call, row, response);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::AddCaseDetections(grpc::ServerContext* context,
                                                const v1::AddCaseDetectionsRequest* request,
                                                v1::Case* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<std::string> detection_ids, DetectionIdsOf(call, *request));
    ASSIGN_OR_RETURN(sql::CaseRow row,
                     cases_->AddDetections(call, call.target.id(), detection_ids));
    CaseToProto(call, row, response);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::DeleteCase(grpc::ServerContext* context,
                                         const v1::DeleteCaseRequest* request,
                                         google::protobuf::Empty* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    return cases_->Delete(call, {{call.target.id()}, request->etag()});
  });
}

grpc::Status CaseServiceImpl::BatchDeleteCases(grpc::ServerContext* context,
                                               const v1::BatchDeleteCasesRequest* request,
                                               google::protobuf::Empty* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(domain::DeleteCasesCommand command, DeleteCasesCommandOf(call, *request));
    return cases_->Delete(call, command);
  });
}

grpc::Status CaseServiceImpl::ListCaseEvents(grpc::ServerContext* context,
                                             const v1::ListCaseEventsRequest* request,
                                             v1::ListCaseEventsResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(domain::PageRequest page_request, PageRequestFor(*request));
    ASSIGN_OR_RETURN(domain::Page<sql::EventRow> page,
                     cases_->ListEvents(call, call.target.id(), page_request));
    for (const auto& event : page.rows) {
      FillEvent(event, request->parent(), response->add_events());
    }
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::CreateQueue(grpc::ServerContext* context,
                                          const v1::CreateQueueRequest* request,
                                          v1::Queue* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(sql::QueueRow queue, QueueOf(*request));
    ASSIGN_OR_RETURN(sql::QueueRow row,
                     cases_->CreateQueue(call, std::move(queue),
                                         IdempotencyKeyFor(call.tenant_id, "CreateQueue", *request,
                                                           request->request_id())));
    QueueToProto(row, response);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::ListQueues(grpc::ServerContext* context,
                                         const v1::ListQueuesRequest* request,
                                         v1::ListQueuesResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(sql::ListParams params, ListParamsFor(call, *request));
    ASSIGN_OR_RETURN(domain::Page<sql::QueueRow> page, cases_->ListQueues(call, params));
    for (const auto& row : page.rows) {
      QueueToProto(row, response->add_queues());
    }
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::BatchUpdateCases(grpc::ServerContext* context,
                                               const v1::BatchUpdateCasesRequest* request,
                                               v1::BatchUpdateCasesResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<domain::UpdateCaseCommand> commands,
                     BatchUpdateCommandsOf(call, *request));
    ASSIGN_OR_RETURN(std::vector<sql::CaseRow> rows, cases_->UpdateMany(call, commands));
    for (const sql::CaseRow& row : rows) {
      CaseToProto(call, row, response->add_cases());
    }
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::GetCaseStats(grpc::ServerContext* context,
                                           const v1::GetCaseStatsRequest* request,
                                           v1::CaseStats* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    sql::ListParams params;
    params.tenant_ids = call.tenant_ids;
    params.parent = request->parent();
    params.filter = request->filter();
    ASSIGN_OR_RETURN(domain::CaseStats stats, cases_->Stats(call, std::move(params)));
    CaseStatsToProto(call, stats, response);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::GetSlaPolicy(grpc::ServerContext* context,
                                           const v1::GetSlaPolicyRequest* request,
                                           v1::SlaPolicy* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(sql::SlaPolicyRow row, cases_->GetSlaPolicy(call));
    SlaPolicyToProto(row, response);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::UpdateSlaPolicy(grpc::ServerContext* context,
                                              const v1::UpdateSlaPolicyRequest* request,
                                              v1::SlaPolicy* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(domain::UpdateSlaPolicyCommand command, UpdateSlaPolicyCommandOf(*request));
    ASSIGN_OR_RETURN(sql::SlaPolicyRow row, cases_->UpdateSlaPolicy(call, command));
    SlaPolicyToProto(row, response);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::CreateCaseNote(grpc::ServerContext* context,
                                             const v1::CreateCaseNoteRequest* request,
                                             v1::CaseNote* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(domain::CreateNoteCommand command, CreateNoteCommandOf(call, *request));
    ASSIGN_OR_RETURN(sql::NoteRow row, cases_->CreateNote(call, std::move(command)));
    NoteToProto(row, response);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::ListCaseNotes(grpc::ServerContext* context,
                                            const v1::ListCaseNotesRequest* request,
                                            v1::ListCaseNotesResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(domain::PageRequest page_request, PageRequestFor(*request));
    ASSIGN_OR_RETURN(domain::Page<sql::NoteRow> page,
                     cases_->ListNotes(call, call.target.id(), page_request));
    for (const auto& row : page.rows) {
      NoteToProto(row, response->add_notes());
    }
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::UpdateCaseNote(grpc::ServerContext* context,
                                             const v1::UpdateCaseNoteRequest* request,
                                             v1::CaseNote* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(domain::NoteCommand command, UpdateNoteCommandOf(call, *request));
    ASSIGN_OR_RETURN(sql::NoteRow row, cases_->UpdateNote(call, command));
    NoteToProto(row, response);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::DeleteCaseNote(grpc::ServerContext* context,
                                             const v1::DeleteCaseNoteRequest* request,
                                             google::protobuf::Empty* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    return cases_->DeleteNote(call, DeleteNoteCommandOf(call, *request));
  });
}

}  // namespace cases::server
