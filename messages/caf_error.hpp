// recodex::error <-> caf::error. Our errors travel between actors as caf::error values of
// category "recodex" whose context holds the message text, so they survive the middleman.
#pragma once

#include "messages/error.hpp"

#include <caf/fwd.hpp>

namespace recodex {

caf::error to_caf_error(const error& e);

// Errors of other categories (timeouts, unreachable peers...) become errc::unavailable with
// CAF's own rendering as the message.
error from_caf_error(const caf::error& e);

} // namespace recodex
