// Structured logging: one JSON object per line on stderr. The only logging
// facility of the project (Abseil 20220623 has no absl/log).
//
//   cases::Log(cases::LogLevel::kInfo, "serving", {{"listen", address}});
#ifndef CASES_COMMON_LOG_H_
#define CASES_COMMON_LOG_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace cases {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// A field of a log line. Numbers are passed as text with `raw` set so they are
// written unquoted.
struct LogField {
  LogField(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
  LogField(std::string k, const char* v) : key(std::move(k)), value(v) {}
  LogField(std::string k, absl::string_view v) : key(std::move(k)), value(v) {}
  LogField(std::string k, long long v) : key(std::move(k)), value(std::to_string(v)), raw(true) {}
  LogField(std::string k, int v) : key(std::move(k)), value(std::to_string(v)), raw(true) {}
  LogField(std::string k, double v) : key(std::move(k)), value(std::to_string(v)), raw(true) {}
  std::string key;
  std::string value;
  bool raw = false;
};

// Lines below this level are dropped. Default kInfo.
void SetLogLevel(LogLevel level);
// Parses "debug", "info", "warning", "error"; false when unknown.
bool ParseLogLevel(absl::string_view text, LogLevel* level);

void Log(LogLevel level, absl::string_view message, const std::vector<LogField>& fields = {});

// Whether a line at `level` would be written: check it before building costly fields.
bool LogEnabled(LogLevel level);

// JSON string escaping, shared by everything that writes JSON by hand.
std::string JsonEscape(absl::string_view text);

}  // namespace cases

#endif  // CASES_COMMON_LOG_H_
