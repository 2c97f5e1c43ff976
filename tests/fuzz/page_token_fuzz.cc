// libFuzzer target: page-token decoding, with a round trip of whatever decodes.
#include <cstdint>
#include <string>

#include "common/page_token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string token(reinterpret_cast<const char*>(data), size);
  const std::string fingerprint =
      cases::QueryFingerprint({"ListCases", "tenants/-", "", "create_time desc"});
  auto key = cases::DecodePageToken(token, fingerprint);
  if (key.ok() && !key->empty()) {
    auto again = cases::DecodePageToken(cases::EncodePageToken(fingerprint, *key), fingerprint);
    if (!again.ok() || *again != *key) {
      __builtin_trap();
    }
  }
  return 0;
}
