// One project-wide `result<T>`: a value or a recodex::error (Boost.Outcome, header-only).
// Hostile input and environment failures travel as results; exceptions stop at room doors.
#pragma once

#include "messages/error.hpp"

#include <boost/outcome/result.hpp>
#include <boost/outcome/try.hpp>

namespace recodex {

namespace outcome = boost::outcome_v2;

// `policy::terminate`: reading the value of a failed result is a bug, not an exception.
template <class T>
using result = outcome::result<T, error, outcome::policy::terminate>;

inline auto ok() { return outcome::success(); }
// Stores the value of `value` in `field`, or passes its error on (for RECODEX_TRY_VOID), so a
// struct is filled field by field without a named temporary per field.
template <class T, class U>
result<void> store(T& field, result<U>&& value) {
  if (!value)
    return std::move(value).error();
  field = std::move(value).value();
  return ok();
}

} // namespace recodex

// RECODEX_TRY(var, expr) binds the value of `expr` or returns its error;
// RECODEX_TRY_VOID(expr) only propagates the error.
#define RECODEX_TRY(var, expr) BOOST_OUTCOME_TRY(var, expr)
#define RECODEX_TRY_VOID(expr) BOOST_OUTCOME_TRYV(expr)
