// Native workers reach the broker actor through CAF's middleman: they register with a
// worker_info, get job_assignments, answer with worker_done, and their death (a down_msg) is an
// immediate worker death whose job is re-queued. Clients talk to the same actor with
// job_request / get_runtime_stats / set_frozen. The broker is published and reached through its
// typed public handle (registered types only). (CAF 0.17 refuses an untyped remote_actor to a
// typed publication; the worker's listener connects with the middleman's connect_atom.)
#include "actors/broker/broker_actor.hpp"
#include "messages/actor_system_setup.hpp"
#include "messages/type_ids.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <catch2/catch.hpp>

#include <optional>

using namespace recodex;
using namespace std::chrono_literals;

namespace {

struct system_config : caf::actor_system_config {
  system_config() {
    configure_actor_system(*this);
    set("scheduler.max-threads", 2);
  }
};

worker_info native_worker(std::string description) {
  return {"ignored-the-broker-names-native-workers", "group1", {{"env", "c"}}, std::move(description), ""};
}

job_request job(std::string id) { return {std::move(id), {{"hwgroup", "group1"}}, {"http://a", "http://r"}}; }

eval_reply submit(caf::scoped_actor& client, const broker::broker_handle& broker, job_request request) {
  eval_reply out;
  client->request(broker, 5s, std::move(request))
    .receive([&](const eval_reply& r) { out = r; }, [&](caf::error& e) { FAIL(client->system().render(e)); });
  return out;
}

runtime_stats stats(caf::scoped_actor& client, const broker::broker_handle& broker) {
  runtime_stats out;
  client->request(broker, 5s, get_runtime_stats{})
    .receive([&](const runtime_stats& s) { out = s; }, [&](caf::error& e) { FAIL(client->system().render(e)); });
  return out;
}

std::optional<job_assignment> next_assignment(caf::scoped_actor& worker) {
  std::optional<job_assignment> out;
  bool waiting = true;
  while (waiting)
    worker->receive([&](job_assignment& a) { out = std::move(a); waiting = false; },
                    [](const worker_pong&) {}, [&](caf::message&) {},
                    caf::after(std::chrono::seconds(5)) >> [&] { waiting = false; });
  return out;
}

} // namespace

TEST_CASE("a native worker over the middleman gets jobs, reports done, and its death re-queues its job",
          "[broker][integration][middleman]") {
  system_config broker_config;
  caf::actor_system broker_system{broker_config};
  caf::scoped_actor monitor{broker_system};
  broker::broker_actor_config config;
  config.monitors.push_back(caf::actor_cast<caf::actor>(monitor.ptr()));
  auto spawned = broker::spawn_broker(broker_system, config);
  REQUIRE(spawned);
  auto broker = spawned.value().actor;
  auto port = broker_system.middleman().publish(spawned.value().handle, 0, "127.0.0.1", true);
  REQUIRE(port);

  system_config worker_config;
  caf::actor_system worker_system{worker_config};
  auto remote = worker_system.middleman().remote_actor<broker::broker_handle>("127.0.0.1", *port);
  if (!remote)
    FAIL(worker_system.render(remote.error()));
  caf::scoped_actor client{worker_system};

  std::optional<caf::scoped_actor> first{std::in_place, worker_system};
  (*first)->send(*remote, native_worker("first"));
  (*first)->send(*remote, worker_ping{""});
  (*first)->receive([](const worker_pong&) {}, caf::after(std::chrono::seconds(5)) >> [] { FAIL("no pong"); });

  CHECK(submit(client, *remote, job("native_1")) == eval_reply{true, ""});
  auto a = next_assignment(*first);
  REQUIRE(a);
  CHECK(a->job_id == "native_1");
  CHECK(a->payload == std::vector<std::string>{"http://a", "http://r"});
  (*first)->send(*remote, worker_done{"", {"native_1", job_status::ok, ""}});
  CHECK(submit(client, *remote, job("native_2")) == eval_reply{true, ""});
  auto b = next_assignment(*first);
  REQUIRE(b);
  CHECK(b->job_id == "native_2");
  CHECK(stats(client, *remote).evaluated_jobs == 1);

  // A second worker joins idle; the first one dies holding native_2.
  caf::scoped_actor second{worker_system};
  second->send(*remote, native_worker("second"));
  second->send(*remote, worker_ping{""});
  second->receive([](const worker_pong&) {}, caf::after(std::chrono::seconds(5)) >> [] { FAIL("no pong"); });
  first.reset();
  auto moved = next_assignment(second);
  REQUIRE(moved);
  CHECK(moved->job_id == "native_2");
  bool aborted = false;
  monitor->receive([&](const progress& p) { aborted = p == progress{"native_2", "ABORTED", "", ""}; },
                   caf::after(std::chrono::seconds(5)) >> [] {});
  CHECK(aborted);
  auto s = stats(client, *remote);
  CHECK(s.worker_count == 1);
  CHECK(s.jobs_in_progress == 1);

  client->request(*remote, 5s, set_frozen{true})
    .receive([](const set_frozen& f) { CHECK(f.frozen); }, [](caf::error&) { FAIL("no ack"); });
  CHECK(submit(client, *remote, job("native_3")) == eval_reply{false, "The broker is frozen."});

  caf::anon_send_exit(broker, caf::exit_reason::user_shutdown);
}
