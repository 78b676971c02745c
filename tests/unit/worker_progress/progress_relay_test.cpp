// The relay's delivery with real threads. Waits are bounded; windows are either long (nothing
// may leave on its own during the test) or short with generous waits, so the tests do not
// depend on the machine's speed.
#include "actors/worker/progress_relay.hpp"

#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>

using namespace recodex;
using namespace recodex::worker;
using namespace std::chrono_literals;

namespace {

progress task(int i) { return {"job1", "TASK", "t" + std::to_string(i), "COMPLETED"}; }
progress job_level(const std::string& command) { return {"job1", command, "", ""}; }

// Collects delivered batches; wait_for_events() blocks (bounded) until `n` events arrived.
struct receiver {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::vector<progress>> batches;

  progress_relay::deliver_fn fn() {
    return [this](std::vector<progress>&& batch) {
      std::lock_guard<std::mutex> lock(mutex);
      batches.push_back(std::move(batch));
      changed.notify_all();
    };
  }
  std::size_t events() {
    std::size_t n = 0;
    for (const auto& b : batches)
      n += b.size();
    return n;
  }
  bool wait_for_events(std::size_t n, std::chrono::milliseconds limit = 10s) {
    std::unique_lock<std::mutex> lock(mutex);
    return changed.wait_for(lock, limit, [&] { return events() >= n; });
  }
  std::vector<progress> all() {
    std::lock_guard<std::mutex> lock(mutex);
    std::vector<progress> out;
    for (const auto& b : batches)
      out.insert(out.end(), b.begin(), b.end());
    return out;
  }
  std::size_t batch_count() {
    std::lock_guard<std::mutex> lock(mutex);
    return batches.size();
  }
};

} // namespace

TEST_CASE("a relay holds events for its window, then sends them as one batch",
          "[worker][progress][relay]") {
  receiver r;
  progress_relay relay{30ms};
  relay.deliver_to(r.fn());
  for (int i = 0; i < 5; ++i)
    relay.push(task(i));
  REQUIRE(r.wait_for_events(5));
  CHECK(r.batch_count() == 1);
  CHECK(r.all() == std::vector<progress>{task(0), task(1), task(2), task(3), task(4)});

  // The timer sleeps until the next batch and serves it too.
  relay.push(task(5));
  REQUIRE(r.wait_for_events(6));
  CHECK(r.batch_count() == 2);
}

TEST_CASE("a relay sends at once at the job's end and at flush", "[worker][progress][relay]") {
  receiver r;
  progress_relay relay{1h}; // nothing leaves on its own during this test
  relay.deliver_to(r.fn());
  relay.push(task(1));
  relay.push(job_level("FINISHED"));
  CHECK(r.batch_count() == 1); // delivered inside push, on this thread
  CHECK(r.all() == std::vector<progress>{task(1), job_level("FINISHED")});

  relay.push(task(2));
  CHECK(r.batch_count() == 1);
  relay.flush();
  CHECK(r.batch_count() == 2);
  relay.flush(); // nothing held: no empty batch
  CHECK(r.batch_count() == 2);
}

TEST_CASE("a relay delivers what it holds to the old receiver before switching, and on "
          "destruction",
          "[worker][progress][relay]") {
  receiver first, second;
  {
    progress_relay relay{1h};
    relay.deliver_to(first.fn());
    relay.push(task(1));
    relay.deliver_to(second.fn());
    CHECK(first.all() == std::vector<progress>{task(1)});
    relay.push(task(2));
  }
  CHECK(second.all() == std::vector<progress>{task(2)});
}

TEST_CASE("without a window a relay sends each event alone, without a timer thread",
          "[worker][progress][relay]") {
  receiver r;
  progress_relay relay{0ms};
  relay.deliver_to(r.fn());
  relay.push(task(1));
  relay.push(task(2));
  CHECK(r.batch_count() == 2);
}

TEST_CASE("events pushed while the timer delivers keep their order", "[worker][progress][relay]") {
  receiver r;
  progress_relay relay{1ms};
  relay.deliver_to(r.fn());
  constexpr int count = 2000;
  for (int i = 0; i < count; ++i) {
    relay.push(task(i));
    if (i % 100 == 0)
      std::this_thread::sleep_for(2ms); // let the timer take some batches
  }
  relay.flush();
  REQUIRE(r.wait_for_events(count));
  auto all = r.all();
  REQUIRE(all.size() == count);
  for (int i = 0; i < count; ++i)
    REQUIRE(all[static_cast<std::size_t>(i)] == task(i));
  CHECK(r.batch_count() > 1);
}
