// storage/file_io.hpp: the shared read loop and the descriptor owner.
#include "storage/file_io.hpp"
#include "temp_directory.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

using namespace recodex::storage;
using recodex::errc;

TEST_CASE("a file is read to its end in bounded chunks, whatever its size", "[storage][file_io]") {
  testing::temp_directory dir;
  auto size = GENERATE(std::size_t{0}, std::size_t{1}, std::size_t{64 * 1024},
                       std::size_t{2 * 64 * 1024 + 3});
  std::string content(size, '\0');
  for (std::size_t i = 0; i < size; ++i)
    content[i] = static_cast<char>(i * 7 % 251);
  testing::write_whole_file(dir / "f", content);

  std::string seen;
  std::vector<std::size_t> chunks;
  auto read = read_file_chunks(dir / "f", [&](std::string_view chunk) -> recodex::result<void> {
    seen.append(chunk);
    chunks.push_back(chunk.size());
    return recodex::ok();
  });
  REQUIRE(read);
  CHECK(seen == content);
  for (auto n : chunks)
    CHECK((n > 0 && n <= 64 * 1024));
}

TEST_CASE("a sink's error stops the reading and comes back unchanged", "[storage][file_io]") {
  testing::temp_directory dir;
  testing::write_whole_file(dir / "f", std::string(3 * 64 * 1024, 'x'));
  int calls = 0;
  auto read = read_file_chunks(dir / "f", [&](std::string_view) -> recodex::result<void> {
    ++calls;
    return recodex::make_error(errc::too_large, "enough");
  });
  REQUIRE_FALSE(read);
  CHECK(read.error() == recodex::make_error(errc::too_large, "enough"));
  CHECK(calls == 1);
}

TEST_CASE("a missing file is reported with its path", "[storage][file_io]") {
  testing::temp_directory dir;
  auto read = read_file_chunks(dir / "absent", [](std::string_view) { return recodex::result<void>{recodex::ok()}; });
  REQUIRE_FALSE(read);
  CHECK(read.error().message.find((dir / "absent").string()) != std::string::npos);
}

TEST_CASE("unique_fd closes what it owns, once", "[storage][file_io]") {
  testing::temp_directory dir;
  testing::write_whole_file(dir / "f", "x");
  int raw = -1;
  {
    auto fd = open_for_reading(dir / "f");
    REQUIRE(fd);
    raw = fd.value().get();
    unique_fd moved = std::move(fd.value());
    CHECK_FALSE(fd.value());
    CHECK(::fcntl(raw, F_GETFD) != -1);
  }
  CHECK(::fcntl(raw, F_GETFD) == -1);
}
