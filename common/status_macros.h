// Early returns on error, so a sequence of fallible steps reads as a sequence:
//
//   RETURN_IF_ERROR(CheckQueue(db, tenant_id, queue_id));
//   ASSIGN_OR_RETURN(CaseRow row, store->Get(tenant_id, case_id));
//
// Abseil 20220623 ships no such macros; these follow the shape of the ones in
// later Abseil and in TensorFlow. Both work in functions returning absl::Status
// or any absl::StatusOr<T>.
#ifndef CASES_COMMON_STATUS_MACROS_H_
#define CASES_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CASES_STATUS_CONCAT_INNER_(a, b) a##b
#define CASES_STATUS_CONCAT_(a, b) CASES_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status) once; returns it when it is not OK.
#define RETURN_IF_ERROR(expr)                           \
  do {                                                  \
    ::absl::Status cases_status_macro_status_ = (expr); \
    if (!cases_status_macro_status_.ok()) {             \
      return cases_status_macro_status_;                \
    }                                                   \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>) once; returns its status when it is
// not OK, else moves its value into `lhs` (a declaration or an lvalue).
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  CASES_ASSIGN_OR_RETURN_IMPL_(CASES_STATUS_CONCAT_(cases_statusor_, __LINE__), lhs, rexpr)

#define CASES_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) {                                    \
    return std::move(statusor).status();                   \
  }                                                        \
  lhs = std::move(statusor).value()

#endif  // CASES_COMMON_STATUS_MACROS_H_
