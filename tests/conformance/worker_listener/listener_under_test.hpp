// A listener in an actor system of its own (as on a worker host), with the test's scoped actor
// as its evaluator: the test receives the job_assignment and reports progress and done. The
// destructor sends the listener an exit and joins the system (the "worker host" goes away).
#pragma once

#include "actors/worker/listener/listener_actor.hpp"
#include "messages/actor_system_setup.hpp"
#include "messages/type_ids.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>

namespace recodex::testing {

struct listener_system_config : caf::actor_system_config {
  listener_system_config() {
    configure_actor_system(*this);
    set("scheduler.max-threads", 2);
  }
};

struct listener_under_test {
  listener_system_config config;
  caf::actor_system sys{config};
  caf::scoped_actor evaluator{sys};
  caf::actor listener;

  explicit listener_under_test(worker::listener_config c) {
    auto spawned =
        worker::spawn_listener(sys, std::move(c), caf::actor_cast<caf::actor>(evaluator.ptr()));
    REQUIRE(spawned);
    listener = spawned.value();
  }
  ~listener_under_test() { caf::anon_send_exit(listener, caf::exit_reason::user_shutdown); }

  std::optional<job_assignment>
  next_assignment(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::optional<job_assignment> out;
    evaluator->receive([&](job_assignment& a) { out = std::move(a); },
                       caf::after(timeout) >> [] {});
    return out;
  }
  void report(progress p) { evaluator->send(listener, std::move(p)); }
  void report(job_done d) { evaluator->send(listener, std::move(d)); }
};

} // namespace recodex::testing
