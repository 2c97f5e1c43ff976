// libFuzzer target: the validation helpers every request goes through — names,
// display names, text, request ids, UTF-8 — on arbitrary bytes.
#include <cstdint>
#include <string>

#include "common/ids.h"
#include "common/names.h"
#include "common/validation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  cases::Violations v;
  cases::CheckDisplayName(v, "display_name", input);
  cases::CheckText(v, "description", input, cases::kMaxDescriptionBytes, true);
  cases::CheckRequestId(v, "request_id", input);
  (void)v.ToStatus();
  if (cases::IsValidUtf8(input) && cases::Utf8Length(input) > input.size()) {
    __builtin_trap();
  }
  auto tenant = cases::TenantOfName(input, "parent", true);
  if (tenant.ok() && *tenant != "-" && tenant->size() != 16) {
    __builtin_trap();
  }
  auto id = cases::IdFromText(input);
  if (id.has_value() && cases::IdToText(*id) != input) {
    __builtin_trap();
  }
  return 0;
}
