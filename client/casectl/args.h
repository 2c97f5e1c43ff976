// casectl's command line: positional words and --flags, the settings file, and
// the flag parsers every command shares. A usage mistake throws UsageError,
// which main turns into exit code 2.
#ifndef CASES_CLIENT_CASECTL_ARGS_H_
#define CASES_CLIENT_CASECTL_ARGS_H_

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"

namespace cases::client::cli {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Positional words and --flags (repeatable) of one command line.
struct Args {
  std::vector<std::string> words;
  std::multimap<std::string, std::string> flags;
  std::string error;  // a flag without its value

  bool Has(const std::string& name) const { return flags.count(name) != 0; }
  std::string Get(const std::string& name, const std::string& fallback = "") const;
  std::vector<std::string> All(const std::string& name) const;
  // The flag's value; UsageError when it is missing.
  std::string Required(const std::string& name) const;
  // Positional word i (0 is the command group); UsageError naming `what` when missing.
  std::string Word(size_t i, const char* what) const;
  // --page-size as a number (0 when not given).
  int PageSize() const;
  // --limit N: at most N items of a list (0 = all of them).
  int Limit() const;
};

Args ParseArgs(int argc, char** argv);

// `key = value` lines of $CASECTL_CONFIG or ~/.config/casectl/config.
std::map<std::string, std::string> ReadConfigFile();

// The file's bytes; exits with the usage code when it cannot be read.
std::string ReadFileOrDie(const std::string& path);

// An enum value of `d` from its full name or a short one ("high" → SEVERITY_HIGH).
int ParseEnumValue(const google::protobuf::EnumDescriptor* d, const std::string& text,
                   const std::string& flag);

template <typename E>
E ParseEnum(const google::protobuf::EnumDescriptor* d, const std::string& text,
            const std::string& flag) {
  return static_cast<E>(ParseEnumValue(d, text, flag));
}

}  // namespace cases::client::cli

#endif  // CASES_CLIENT_CASECTL_ARGS_H_
