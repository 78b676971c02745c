// Converts between our error vocabulary and caf::error (category atom "recodex").
#include "messages/caf_error.hpp"

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/message.hpp>
#include <caf/make_message.hpp>

namespace recodex {

namespace {
constexpr caf::atom_value category = caf::atom("recodex");
} // namespace

caf::error to_caf_error(const error& e) {
  return caf::error{static_cast<std::uint8_t>(e.code), category, caf::make_message(e.message)};
}

error from_caf_error(const caf::error& e) {
  if (e.category() == category) {
    std::string text;
    if (e.context().match_elements<std::string>())
      text = e.context().get_as<std::string>(0);
    return error{static_cast<errc>(e.code()), std::move(text)};
  }
  return error{errc::unavailable, caf::to_string(e)};
}

} // namespace recodex
