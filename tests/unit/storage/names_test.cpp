// Names from outside: ids, submission paths and task file names.
#include "storage/names.hpp"

#include <catch2/catch.hpp>

using namespace recodex::storage;

TEST_CASE("ids allow letters, digits, '_', '.', '-' and nothing else", "[storage][names]") {
  CHECK(is_valid_id("student_peer4"));
  CHECK(is_valid_id("a.b-c_1"));
  CHECK_FALSE(is_valid_id(""));
  CHECK_FALSE(is_valid_id("."));
  CHECK_FALSE(is_valid_id(".."));
  CHECK_FALSE(is_valid_id("a/b"));
  CHECK_FALSE(is_valid_id("a b"));
  CHECK_FALSE(is_valid_id(std::string(129, 'a')));
  CHECK(is_valid_id(std::string(128, 'a')));
}
