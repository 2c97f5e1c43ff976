// casectl: the command-line client for support engineers and scripts, on the SDK.
// Run `casectl help` for the commands; the exit codes are in output.h.
// `casectl dev ...` (development keys, tokens, licences) is forwarded to the
// casectl-dev tool next to this binary, so the customer CLI links no signing code.
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "client/casectl/command.h"

namespace cases::client::cli {
namespace {

constexpr char kGlobalUsage[] = R"(usage: casectl [global flags] COMMAND ...

global flags (also from CASES_ADDR / CASES_TOKEN and the config file
$CASECTL_CONFIG or ~/.config/casectl/config with lines "addr = ...", "token = ..."):
  --addr HOST:PORT   --token JWT   --token-file FILE   --json   --timeout 10s
  --tls   --ca FILE   --cert FILE --key FILE (mTLS)   --server-name NAME

commands:
)";

constexpr char kDevUsage[] = R"(  dev keys --out DIR
  dev token --keys DIR --sub S --tid T --role R [--role R...] [--ttl 1h]
  dev license --keys DIR --tenant T --product PRODUCT_MDR --days N [--id LIC]
)";

void PrintUsage() {
  std::string out = kGlobalUsage;
  for (const Command& c : AllCommands()) {
    absl::StrAppend(&out, "  ", c.usage, "\n");
  }
  std::fputs((out + kDevUsage).c_str(), stdout);
}

int Usage(const std::string& why) {
  std::fprintf(stderr, "casectl: %s\nRun 'casectl help' for usage.\n", why.c_str());
  return kExitUsage;
}

// The SDK client from flags, environment and the config file, in that order.
std::unique_ptr<Client> Connect(const Args& args) {
  const auto config = ReadConfigFile();
  auto setting = [&](const char* flag, const char* env) {
    if (args.Has(flag)) {
      return args.Get(flag);
    }
    if (const char* v = std::getenv(env)) {
      return std::string(v);
    }
    auto it = config.find(flag);
    return it == config.end() ? std::string() : it->second;
  };
  ChannelOptions channel;
  channel.target = setting("addr", "CASES_ADDR");
  if (channel.target.empty()) {
    channel.target = "127.0.0.1:50051";
  }
  std::string token = setting("token", "CASES_TOKEN");
  if (args.Has("token-file")) {
    token = std::string(absl::StripAsciiWhitespace(ReadFileOrDie(args.Get("token-file"))));
  }
  const std::string ca = setting("ca", "CASES_CA");
  if (args.Has("tls") || !ca.empty() || args.Has("cert")) {
    channel.security =
        args.Has("cert") ? ChannelOptions::Security::kMutualTls : ChannelOptions::Security::kTls;
    channel.ca_pem = ca.empty() ? "" : ReadFileOrDie(ca);
    if (args.Has("cert")) {
      channel.cert_pem = ReadFileOrDie(args.Get("cert"));
      channel.key_pem = ReadFileOrDie(args.Required("key"));
    }
    channel.server_name_override = args.Get("server-name");
  }
  CallOptions options;
  if (args.Has("timeout")) {
    absl::Duration timeout;
    if (!absl::ParseDuration(args.Get("timeout"), &timeout)) {
      throw UsageError("--timeout must be a duration like 10s");
    }
    options.deadline = absl::ToChronoMilliseconds(timeout);
  }
  return std::make_unique<Client>(MakeChannel(channel), token, options);
}

// Runs casectl-dev from this binary's directory with the words after "dev".
int ForwardToDevTool(int argc, char** argv) {
  char self[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  std::string tool = "casectl-dev";
  if (n > 0) {
    const std::string path(self, n);
    tool = path.substr(0, path.rfind('/') + 1) + "casectl-dev";
  }
  std::vector<char*> forwarded = {tool.data()};
  bool skipped = false;
  for (int i = 1; i < argc; ++i) {
    if (!skipped && std::string(argv[i]) == "dev") {
      skipped = true;
      continue;
    }
    forwarded.push_back(argv[i]);
  }
  forwarded.push_back(nullptr);
  execv(tool.c_str(), forwarded.data());
  std::fprintf(stderr, "casectl: dev commands need %s (a development tool built beside casectl)\n",
               tool.c_str());
  return kExitUsage;
}

const Command* Find(const Args& args) {
  for (const Command& c : AllCommands()) {
    if (c.group == args.words[0] &&
        (c.name.empty() || (args.words.size() > 1 && c.name == args.words[1]))) {
      return &c;
    }
  }
  return nullptr;
}

// "cases list|get|create|..." for a group's usage error.
std::string GroupUsage(const std::string& group) {
  std::string names;
  for (const Command& c : AllCommands()) {
    if (c.group == group) {
      absl::StrAppend(&names, names.empty() ? "" : "|", c.name);
    }
  }
  return names.empty() ? "unknown command " + group : group + " " + names;
}

int Run(int argc, char** argv) {
  Context context{ParseArgs(argc, argv), nullptr};
  const Args& args = context.args;
  if (!args.error.empty()) {
    return Usage(args.error);
  }
  if (args.words.empty() || args.words[0] == "help") {
    PrintUsage();
    return args.words.empty() ? kExitUsage : kExitOk;
  }
  if (args.words[0] == "dev") {
    return ForwardToDevTool(argc, argv);
  }
  const Command* command = Find(args);
  if (command == nullptr) {
    return Usage(GroupUsage(args.words[0]));
  }
  try {
    context.client = Connect(args);
    return command->run(context);
  } catch (const UsageError& e) {
    return Usage(e.what());
  }
}

}  // namespace

const std::vector<Command>& AllCommands() {
  static const auto* commands = [] {
    auto* all = new std::vector<Command>();
    for (auto group : {&TenancyCommands, &CaseCommands, &DetectionCommands, &RequestCommands,
                       &RuleCommands, &ActivityCommands, &SubscriptionCommands}) {
      for (Command& c : group()) {
        all->push_back(std::move(c));
      }
    }
    // Help lists the groups in this order, each group's commands together.
    const std::vector<std::string> order = {"whoami", "tenants",    "licenses", "cases",
                                            "alerts", "detections", "queues",   "requests"};
    auto rank = [&](const Command& c) {
      return std::find(order.begin(), order.end(), c.group) - order.begin();
    };
    std::stable_sort(all->begin(), all->end(),
                     [&](const Command& a, const Command& b) { return rank(a) < rank(b); });
    return all;
  }();
  return *commands;
}

}  // namespace cases::client::cli

int main(int argc, char** argv) { return cases::client::cli::Run(argc, argv); }
