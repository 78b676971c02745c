// The temp cleaner: age is measured against the `now` the caller passes in.
#include "storage/temp_cleaner.hpp"
#include "temp_directory.hpp"

#include <catch2/catch.hpp>

using namespace recodex::storage;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

void make_file(const fs::path& file, fs::file_time_type modified) {
  testing::write_whole_file(file, "scratch");
  fs::last_write_time(file, modified);
}

} // namespace

TEST_CASE("top-level entries older than max_age are erased and younger ones kept",
          "[storage][temp_cleaner]") {
  testing::temp_directory dir;
  auto now = fs::file_time_type::clock::now();
  make_file(dir / "old.zip", now - 25h);
  make_file(dir / "young.zip", now - 23h);
  make_file(dir / "old-dir" / "a" / "b.txt", now - 30h);
  fs::last_write_time(dir / "old-dir" / "a", now - 30h);
  fs::last_write_time(dir / "old-dir", now - 30h);

  auto report = clean_temp_dir(dir.path(), 24h, now);
  CHECK(report.removed == 2);
  CHECK(report.failed == 0);
  CHECK_FALSE(fs::exists(dir / "old.zip"));
  CHECK_FALSE(fs::exists(dir / "old-dir"));
  CHECK(fs::exists(dir / "young.zip"));
}

TEST_CASE("the same tree is kept or erased depending only on the now passed in",
          "[storage][temp_cleaner]") {
  testing::temp_directory dir;
  auto t0 = fs::file_time_type::clock::now() - 100h;
  make_file(dir / "f", t0);
  CHECK(clean_temp_dir(dir.path(), 1h, t0 + 30min).removed == 0);
  CHECK(clean_temp_dir(dir.path(), 1h, t0 + 1h).removed == 0); // exactly max_age is not older
  CHECK(fs::exists(dir / "f"));
  CHECK(clean_temp_dir(dir.path(), 1h, t0 + 1h + 1s).removed == 1);
  CHECK_FALSE(fs::exists(dir / "f"));
}

TEST_CASE("a directory with something fresh deep inside is kept", "[storage][temp_cleaner]") {
  testing::temp_directory dir;
  auto now = fs::file_time_type::clock::now();
  make_file(dir / "job" / "deep" / "fresh.txt", now - 1min);
  make_file(dir / "job" / "stale.txt", now - 48h);
  fs::last_write_time(dir / "job" / "deep", now - 48h);
  fs::last_write_time(dir / "job", now - 48h);
  auto report = clean_temp_dir(dir.path(), 24h, now);
  CHECK(report.removed == 0);
  CHECK(fs::exists(dir / "job" / "stale.txt")); // entries below the top level are not aged alone
}

TEST_CASE("a missing or empty temp directory is nothing to do", "[storage][temp_cleaner]") {
  testing::temp_directory dir;
  auto now = fs::file_time_type::clock::now();
  auto missing = clean_temp_dir(dir / "absent", 1h, now);
  CHECK(missing.removed == 0);
  CHECK(missing.failed == 0);
  auto empty = clean_temp_dir(dir.path(), 0s, now);
  CHECK(empty.removed == 0);
  CHECK(empty.failed == 0);
}

TEST_CASE("the temp directory itself is never removed", "[storage][temp_cleaner]") {
  testing::temp_directory dir;
  auto now = fs::file_time_type::clock::now();
  make_file(dir / "x", now - 10h);
  fs::last_write_time(dir.path(), now - 10h);
  CHECK(clean_temp_dir(dir.path(), 1h, now).removed == 1);
  CHECK(fs::is_directory(dir.path()));
}

TEST_CASE("a dangling symbolic link is erased and a link to a fresh file is kept",
          "[storage][temp_cleaner]") {
  testing::temp_directory dir;
  auto now = fs::file_time_type::clock::now();
  fs::create_symlink(dir / "nowhere", dir / "dangling");
  make_file(dir.path().parent_path() / (dir.path().filename().string() + "-target"), now - 1min);
  fs::create_symlink(dir.path().parent_path() / (dir.path().filename().string() + "-target"),
                     dir / "link");
  auto report = clean_temp_dir(dir.path(), 1h, now);
  CHECK(report.removed == 1);
  CHECK_FALSE(fs::exists(fs::symlink_status(dir / "dangling")));
  CHECK(fs::exists(fs::symlink_status(dir / "link")));
  fs::remove(dir.path().parent_path() / (dir.path().filename().string() + "-target"));
}
