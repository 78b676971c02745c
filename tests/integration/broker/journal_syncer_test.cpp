// The broker's group-commit thread: each request's sequence comes back once its fd was synced;
// requests made while a sync runs are merged, and the last one always finishes.
#include "actors/broker/journal_syncer.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

using namespace recodex::broker;

namespace {

// Waits (bounded) until the syncer reports, then returns the highest finished sequence.
std::uint64_t wait_finished(journal_syncer& syncer) {
  pollfd p{syncer.fd(), POLLIN, 0};
  if (::poll(&p, 1, 5000) <= 0)
    return 0;
  return syncer.take_finished();
}

} // namespace

TEST_CASE("journal_syncer reports the sequences it synced, merging requests that wait", "[broker][journal]") {
  char path[] = "/tmp/recodex-syncer-XXXXXX";
  int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, "record", 6) == 6);
  auto started = journal_syncer::start();
  REQUIRE(started);
  auto& syncer = *started.value();

  syncer.request(1, ::dup(fd));
  CHECK(wait_finished(syncer) == 1);

  for (std::uint64_t s = 2; s <= 20; ++s)
    syncer.request(s, ::dup(fd));
  std::uint64_t highest = 0;
  for (int i = 0; i < 20 && highest < 20; ++i)
    highest = std::max(highest, wait_finished(syncer));
  CHECK(highest == 20);

  ::close(fd);
  ::unlink(path);
}
