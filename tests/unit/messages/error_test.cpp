// The error vocabulary: every code has its own name, and errno errors read as "what: reason".
#include "messages/error.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <set>
#include <string>

using namespace recodex;

namespace {

// Keep in step with messages/error.hpp: first and last enumerator.
constexpr auto first_code = errc::invalid_argument;
constexpr auto last_code = errc::internal;

} // namespace

TEST_CASE("every errc enumerator has a distinct name", "[messages][error]") {
  std::set<std::string> names;
  int count = 0;
  for (int value = static_cast<int>(first_code); value <= static_cast<int>(last_code); ++value) {
    auto name = std::string{to_string(static_cast<errc>(value))};
    CAPTURE(value, name);
    CHECK_FALSE(name.empty());
    CHECK(name != "unknown");
    names.insert(name);
    ++count;
  }
  CHECK(count == 9);
  CHECK(names.size() == static_cast<std::size_t>(count));
  CHECK(to_string(errc::hash_mismatch) == "hash_mismatch");
  CHECK(to_string(static_cast<errc>(0)) == "unknown");
  CHECK(to_string(static_cast<errc>(static_cast<int>(last_code) + 1)) == "unknown");
}

TEST_CASE("make_errno_error names the object and the errno's text as an io_error",
          "[messages][error]") {
  auto e = make_errno_error(ENOENT, "cannot open /data/tasks/a/abc");
  CHECK(e.code == errc::io_error);
  CHECK(e.message == "cannot open /data/tasks/a/abc: No such file or directory");
  CHECK(make_errno_error(EACCES, "cannot write memory.max").message ==
        "cannot write memory.max: Permission denied");
  CHECK(make_errno_error(ENOSPC, "x").message == "x: No space left on device");
}

TEST_CASE("an error prints as code: message and compares by both", "[messages][error]") {
  auto e = make_error(errc::not_found, "no blob abc");
  CHECK(to_string(e) == "not_found: no blob abc");
  CHECK(e == error{errc::not_found, "no blob abc"});
  CHECK_FALSE(e == error{errc::not_found, "no blob abd"});
  CHECK_FALSE(e == error{errc::io_error, "no blob abc"});
  CHECK(error{}.code == errc::internal);
}
