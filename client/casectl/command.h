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

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "cases/client.h"
#include "client/casectl/args.h"
#include "client/casectl/output.h"

namespace cases::client::cli {

namespace v1 = ::soc::cases::v1;

// What a running command has: its arguments and a connected client.
// "tenants/{id}" of an item's name "tenants/{id}/...".
std::string TenantOfItem(const std::string& name);

template <typename T, typename = void>
struct HasParent : std::false_type {};
template <typename T>
struct HasParent<T, std::void_t<decltype(std::declval<const T&>().parent())>> : std::true_type {};

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

  // Every page of a List call (or the first --limit items), as a table or as
  // JSON lines; the exit code. A cross-tenant list (`tenants/-`) gets a TENANT
  // column with each item's tenant display name.
  template <typename Stub, typename Request, typename Response, typename Item, typename Row>
  int List(Stub& stub,
           grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
           Request request,
           const google::protobuf::RepeatedPtrField<Item>& (Response::*items)() const,
           std::vector<std::string> headers, Row row) {
    const int limit = args.Limit();
    int page_size = args.PageSize();
    if (page_size == 0 && limit > 0) {
      page_size = std::min(limit, 1000);
    }
    request.set_page_size(page_size);
    bool across = false;
    if constexpr (HasParent<Request>::value) {
      across = request.parent() == "tenants/-" && !Json();
    }
    std::map<std::string, std::string> tenant_names;
    if (across) {
      tenant_names = TenantDisplayNames();
      headers.insert(headers.begin(), "TENANT");
    }
    auto pager = client->ListAll(stub, method, request, items);
    std::vector<std::vector<std::string>> rows;
    int count = 0;
    for (const Item& item : pager) {
      if (limit > 0 && count++ >= limit) {
        break;
      }
      if (Json()) {
        PrintJson(item);
        continue;
      }
      rows.push_back(row(item));
      if (across) {
        const std::string tenant = TenantOfItem(item.name());
        auto it = tenant_names.find(tenant);
        rows.back().insert(rows.back().begin(), it == tenant_names.end() ? tenant : it->second);
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

  // tenants/{id} → display name, for every tenant the caller reaches.
  std::map<std::string, std::string> TenantDisplayNames();
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
std::vector<Command> RuleCommands();
std::vector<Command> ActivityCommands();
std::vector<Command> SubscriptionCommands();
const std::vector<Command>& AllCommands();

}  // namespace cases::client::cli

#endif  // CASES_CLIENT_CASECTL_COMMAND_H_
