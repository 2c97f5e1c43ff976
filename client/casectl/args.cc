#include "client/casectl/args.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/casectl/output.h"

namespace cases::client::cli {
namespace {

const std::vector<std::string> kBooleanFlags = {"json", "tls", "disabled"};

}  // namespace

std::string Args::Get(const std::string& name, const std::string& fallback) const {
  auto it = flags.find(name);
  return it == flags.end() ? fallback : it->second;
}

std::vector<std::string> Args::All(const std::string& name) const {
  std::vector<std::string> out;
  for (auto [it, end] = flags.equal_range(name); it != end; ++it) {
    out.push_back(it->second);
  }
  return out;
}

std::string Args::Required(const std::string& name) const {
  if (!Has(name)) {
    throw UsageError("--" + name + " is required");
  }
  return Get(name);
}

std::string Args::Word(size_t i, const char* what) const {
  if (words.size() <= i) {
    throw UsageError(absl::StrCat("missing ", what));
  }
  return words[i];
}

int Args::PageSize() const {
  int n = 0;
  if (Has("page-size") && !absl::SimpleAtoi(Get("page-size"), &n)) {
    throw UsageError("--page-size must be a number");
  }
  return n;
}

int Args::Limit() const {
  int n = 0;
  if (Has("limit") && (!absl::SimpleAtoi(Get("limit"), &n) || n < 1)) {
    throw UsageError("--limit must be a positive number");
  }
  return n;
}

Args ParseArgs(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) {
      args.words.push_back(a);
      continue;
    }
    a = a.substr(2);
    const size_t eq = a.find('=');
    if (eq != std::string::npos) {
      args.flags.emplace(a.substr(0, eq), a.substr(eq + 1));
    } else if (std::find(kBooleanFlags.begin(), kBooleanFlags.end(), a) != kBooleanFlags.end()) {
      args.flags.emplace(a, "true");
    } else if (i + 1 < argc) {
      args.flags.emplace(a, argv[++i]);
    } else {
      args.error = "--" + a + " needs a value";
    }
  }
  return args;
}

std::map<std::string, std::string> ReadConfigFile() {
  std::map<std::string, std::string> out;
  std::string path;
  if (const char* explicit_path = std::getenv("CASECTL_CONFIG")) {
    path = explicit_path;
  } else if (const char* home = std::getenv("HOME")) {
    path = std::string(home) + "/.config/casectl/config";
  }
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view l = absl::StripAsciiWhitespace(line);
    if (l.empty() || l.front() == '#') {
      continue;
    }
    std::pair<std::string, std::string> kv = absl::StrSplit(l, absl::MaxSplits('=', 1));
    out[std::string(absl::StripAsciiWhitespace(kv.first))] =
        std::string(absl::StripAsciiWhitespace(kv.second));
  }
  return out;
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "casectl: cannot read %s\n", path.c_str());
    std::exit(kExitUsage);
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

int ParseEnumValue(const google::protobuf::EnumDescriptor* d, const std::string& text,
                   const std::string& flag) {
  const std::string upper = absl::AsciiStrToUpper(text);
  std::vector<std::string> names;
  for (int i = 1; i < d->value_count(); ++i) {
    const std::string& name = d->value(i)->name();
    if (name == upper || absl::EndsWith(name, "_" + upper)) {
      return d->value(i)->number();
    }
    names.push_back(name);
  }
  throw UsageError(
      absl::StrCat("--", flag, ": '", text, "' is not one of ", absl::StrJoin(names, ", ")));
}

}  // namespace cases::client::cli
