// How wide text is on a terminal, so casectl's tables stay aligned with CJK text.
#ifndef CASES_CLIENT_CASECTL_WIDTH_H_
#define CASES_CLIENT_CASECTL_WIDTH_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace cases::client::cli {

// The columns `text` (UTF-8) takes on a terminal: East Asian wide characters
// count two, combining marks none.
size_t DisplayWidth(absl::string_view text);

}  // namespace cases::client::cli

#endif  // CASES_CLIENT_CASECTL_WIDTH_H_
