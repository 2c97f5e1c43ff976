// libFuzzer target: the AIP-160 filter parser and its compilation to SQL, against
// the cases schema. Must never crash, hang or put a value into the SQL text.
#include <cstdint>
#include <string>

#include "sql/case_store.h"
#include "sql/list_query.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string filter(reinterpret_cast<const char*>(data), size);
  auto condition = cases::sql::CompileFilter(cases::sql::CaseStore::CaseSchema().fields, filter);
  if (condition.ok()) {
    // Values are parameters: the SQL text only has columns, operators and placeholders.
    for (char c : condition->sql) {
      if (c == '\'' || c == '"' || c == ';') {
        __builtin_trap();
      }
    }
  }
  return 0;
}
