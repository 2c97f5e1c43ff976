// The one validation helper: field checks that add to a Violations list, so a
// handler reports every bad field at once. Business rules on text live here:
// the display-name charset of the seed ("Use only alphanumeric characters,
// spaces, and basic punctuation"), sizes, UTF-8, request ids, page sizes.
#ifndef CASES_COMMON_VALIDATION_H_
#define CASES_COMMON_VALIDATION_H_

#include <string>

#include "absl/strings/string_view.h"
#include "common/errors.h"

namespace cases {

inline constexpr size_t kMaxDisplayNameChars = 120;
inline constexpr size_t kMaxDescriptionBytes = 64 * 1024;
inline constexpr size_t kMaxMessageBytes = 16 * 1024;
inline constexpr size_t kMaxRequestIdChars = 64;
inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

bool IsValidUtf8(absl::string_view text);
// Code points in valid UTF-8 text.
size_t Utf8Length(absl::string_view text);

// 1–120 characters of letters, digits, spaces and `. , - _ : ( ) ' ! ?`
// (letters and digits of any script), no leading or trailing space.
void CheckDisplayName(Violations& v, const std::string& field, absl::string_view value);

// `text` made a display name: every character CheckDisplayName refuses (and every
// invalid UTF-8 byte) becomes `-`, the result is cut to 120 characters and
// stripped of leading and trailing spaces. Empty only when `text` is blank.
std::string ToDisplayName(absl::string_view text);

// Valid UTF-8 of at most `max_bytes`; `required` also refuses empty text.
void CheckText(Violations& v, const std::string& field, absl::string_view value, size_t max_bytes,
               bool required = false);

// Empty, or 1–64 characters of letters, digits, `-` and `_` (a UUID fits).
void CheckRequestId(Violations& v, const std::string& field, absl::string_view value);

// 0 → default 50; 1..1000 as is; negative or above 1000 → a violation.
int CheckPageSize(Violations& v, const std::string& field, int page_size);

}  // namespace cases

#endif  // CASES_COMMON_VALIDATION_H_
