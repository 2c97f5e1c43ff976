// casectl's commands as a registry: one small struct per command (group, name,
// usage line, run). Each command group registers its commands from a file of its
// own (commands_*.cc); main finds the command by its first two words.
//
//   {"cases", "get", "cases get NAME", [](Context& c) {
//      v1::GetCaseRequest request;
//      request.set_name(c.args.Word(2, "case name"));
//      return c.Unary(c.client->cases(), &v1::CaseService::Stub::GetCase, request, &ShowCase);
//    }}
#ifndef CASES_CLIENT_CASECTL_COMMAND_H_
#define CASES_CLIENT_CASECTL_COMMAND_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cases/client.h"
#include "client/casectl/args.h"
#include "client/casectl/output.h"

namespace cases::client::cli {

namespace v1 = ::soc::cases::v1;

// What a running command has: its arguments and a connected client.
struct Context {
  Args args;
  std::unique_ptr<Client> client;

  bool Json() const { return args.Has("json"); }
  std::string Parent() const { return args.Get("parent", "tenants/-"); }

  // A unary call, printed as JSON or by `show`; the exit code.
  template <typename Stub, typename Request, typename Response, typename Show>
  int Unary(Stub& stub,
            grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
            const Request& request, Show show) {
    Response response;
    grpc::Status status = client->Call(stub, method, request, &response);
    if (!status.ok()) {
      return PrintError(status);
    }
    if (Json()) {
      PrintJson(response);
    } else {
      show(response);
    }
    return kExitOk;
  }

  // Every page of a List call, as a table or as JSON lines; the exit code.
  template <typename Stub, typename Request, typename Response, typename Item, typename Row>
  int List(Stub& stub,
           grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
           Request request,
           const google::protobuf::RepeatedPtrField<Item>& (Response::*items)() const,
           const std::vector<std::string>& headers, Row row) {
    request.set_page_size(args.PageSize());
    auto pager = client->ListAll(stub, method, request, items);
    std::vector<std::vector<std::string>> rows;
    for (const Item& item : pager) {
      if (Json()) {
        PrintJson(item);
      } else {
        rows.push_back(row(item));
      }
    }
    if (!pager.status().ok()) {
      return PrintError(pager.status());
    }
    if (!Json()) {
      PrintTable(headers, rows);
    }
    return kExitOk;
  }
};

struct Command {
  std::string group;  // first word, e.g. "cases"
  std::string name;   // second word, e.g. "get"; empty for one-word commands
  std::string usage;  // the line `casectl help` shows
  std::function<int(Context&)> run;
};

// Each group's commands (commands_*.cc), and all of them in help order.
std::vector<Command> TenancyCommands();
std::vector<Command> CaseCommands();
std::vector<Command> DetectionCommands();
std::vector<Command> RequestCommands();
const std::vector<Command>& AllCommands();

}  // namespace cases::client::cli

#endif  // CASES_CLIENT_CASECTL_COMMAND_H_
