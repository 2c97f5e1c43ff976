// libFuzzer target: the AIP-160 filter parser and its compilation to SQL, against
// the cases schema (its text search and facets included). Must never crash, hang
// or put a value into the SQL text, and a text term's FULLTEXT query holds only
// required words (`+word`, `+word*`): no operator of the user's reaches MATCH.
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
  auto query = cases::sql::FullTextQuery(filter, 0);
  if (query.ok()) {
    for (size_t i = 0; i < query->size(); ++i) {
      const unsigned char c = static_cast<unsigned char>((*query)[i]);
      const bool word = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                        (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
      const bool sign = c == '+' && (i == 0 || (*query)[i - 1] == ' ');
      const bool star = c == '*' && i > 0 && (*query)[i - 1] != '+' && (*query)[i - 1] != ' ';
      if (!word && !sign && !star && c != ' ') {
        __builtin_trap();
      }
    }
  }
  return 0;
}
