// The AIP-160 subset every List call accepts:
//   field op value, joined by AND, OR (binds tighter than AND, as AIP-160 says),
//   NOT or a leading `-`, parentheses, and juxtaposition (implicit AND).
//   ops: = != < <= > >= :   values: bare words, numbers, or "quoted strings".
//   A word or quoted string standing alone (`"powershell" AND severity >= HIGH`)
//   is a text term: a comparison with an empty field and op, which a List's
//   schema maps to its full-text search, or refuses.
// This is only the syntax; which fields exist and what their values mean is the
// List's schema (sql/list_query.h). Errors are INVALID_ARGUMENT on `filter`,
// naming the offending token and its position.
#ifndef CASES_COMMON_FILTER_H_
#define CASES_COMMON_FILTER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cases {

inline constexpr size_t kMaxFilterLength = 2048;
inline constexpr int kMaxFilterDepth = 16;
inline constexpr int kMaxFilterComparisons = 64;

struct FilterExpr {
  enum class Kind { kAnd, kOr, kNot, kCompare };
  Kind kind = Kind::kCompare;
  std::vector<FilterExpr> children;  // kAnd, kOr: two or more; kNot: one
  // kCompare only:
  std::string field;  // empty for a text term
  std::string op;     // "=", "!=", "<", "<=", ">", ">=", ":"; empty for a text term
  std::string value;
  size_t position = 0;  // of the field, for error messages
};

// nullopt for an empty (or all-blank) filter.
absl::StatusOr<std::optional<FilterExpr>> ParseFilter(absl::string_view text);

// INVALID_ARGUMENT on `filter` with a description.
absl::Status FilterError(const std::string& description);

}  // namespace cases

#endif  // CASES_COMMON_FILTER_H_
