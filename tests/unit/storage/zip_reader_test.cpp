// Reading one member of a zip in memory, round-tripped through the zip writer.
#include "storage/zip_reader.hpp"
#include "storage/zip_writer.hpp"
#include "tests/unit/storage/temp_directory.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace recodex;
using namespace recodex::storage;
using recodex::storage::testing::read_whole_file;
using recodex::storage::testing::temp_directory;

TEST_CASE("a zip member is read back by name; a missing one is nullopt; garbage is an error",
          "[storage][zip]") {
  temp_directory dir;
  std::ofstream(dir / "a.txt") << "alpha\n";
  std::ofstream(dir / "b.yml") << "job-id: 1\n";
  auto zip_path = dir / "out.zip";
  auto writer = atomic_file_writer::create(zip_path);
  REQUIRE(writer);
  REQUIRE(write_zip(writer.value(), {{dir / "a.txt", "result/a.txt"}, {dir / "b.yml", "result/b.yml"}}, zip_path));
  REQUIRE(writer.value().commit());
  const auto zip = read_whole_file(zip_path);

  auto b = read_zip_member(zip, "result/b.yml");
  REQUIRE(b);
  REQUIRE(b.value());
  CHECK(*b.value() == "job-id: 1\n");
  auto missing = read_zip_member(zip, "result/c.txt");
  REQUIRE(missing);
  CHECK_FALSE(missing.value());
  auto garbage = read_zip_member("this is not a zip", "result/a.txt");
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().code == errc::invalid_argument);
}
