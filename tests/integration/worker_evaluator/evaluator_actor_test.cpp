// The evaluator actor with a scoped_actor as its listener: an assignment in, the progress states
// (in batches) and then the job's done out, in order; a malformed assignment is answered, not
// dropped.
#include "actors/worker/evaluator_actor.hpp"
#include "messages/actor_system_setup.hpp"
#include "messages/type_ids.hpp"
#include "tests/integration/worker_evaluator/evaluator_fixture.hpp"

#include <caf/all.hpp>

using namespace recodex;
using namespace recodex::worker;
using namespace recodex::worker::testing;
using strings = std::vector<std::string>;

namespace {

struct actor_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<memory_transfer> transfer = std::make_shared<memory_transfer>();
  recodex::testing::temp_directory temp{"recodex-evaluator-actor-test"};

  actor_fixture() {
    configure_actor_system(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
  }

  caf::actor spawn() {
    evaluator_parts parts{{}, lease_box(temp.path()), transfer,
                          std::make_shared<storage::worker_cache>(
                              storage::worker_cache::open(temp / "cache").value()),
                          fake_pack};
    parts.config.worker_id = 1;
    parts.config.hwgroup = "group1";
    parts.config.working_directory = temp / "wd";
    return spawn_evaluator(*sys, std::move(parts));
  }

  // Everything the evaluator sends until its job_done (bounded by a timeout).
  std::pair<std::vector<progress>, job_done> receive_job(caf::scoped_actor& self) {
    std::vector<progress> events;
    job_done done;
    bool finished = false;
    for (int i = 0; i < 100 && !finished; ++i)
      self->receive([&](const progress_batch& b) {
                      CHECK_FALSE(b.updates.empty());
                      events.insert(events.end(), b.updates.begin(), b.updates.end());
                    },
                    [&](const job_done& d) {
                      done = d;
                      finished = true;
                    },
                    caf::after(std::chrono::seconds(10)) >> [&] { i = 100; });
    REQUIRE(finished);
    return {events, done};
  }
};

} // namespace

TEST_CASE("the evaluator actor reports progress and done to the listener that assigned the job",
          "[worker][evaluator][actor]") {
  actor_fixture f;
  f.transfer->serve(archive_url,
                    zip_bytes(f.temp.path(), {{"job-config.yml", job_config_text("")}}));
  auto evaluator = f.spawn();
  {
    caf::scoped_actor self{*f.sys};
    self->send(evaluator, job_assignment{"w1", "job1", {archive_url, result_url}});
    auto [events, done] = f.receive_job(self);
    CHECK(done == job_done{"job1", job_status::ok, ""});
    CHECK(commands(events) ==
          strings{"DOWNLOADED", "STARTED", "ENDED", "UPLOADED", "FINISHED"});

    self->send(evaluator, job_assignment{"w1", "job2", {archive_url}});
    auto [none, refused] = f.receive_job(self);
    CHECK(none.empty());
    CHECK(refused.job_id == "job2");
    CHECK(refused.status == job_status::internal_error);
  }
  caf::anon_send_exit(evaluator, caf::exit_reason::user_shutdown);
}
