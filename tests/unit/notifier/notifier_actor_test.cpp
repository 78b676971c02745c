// The notifier actor against a local HTTP server (tests/conformance/broker/http_sink.hpp): a
// report sent as a request is answered once, when the notifier is through with it (delivered,
// possibly after retries, or given up after the last attempt), never after the first failed
// attempt; a drain answers what it delivers and, when its budget runs out, answers the
// reports still waiting with an error (they are not through). Retry delays are short here.
#include "actors/notifier/notifier_actor.hpp"
#include "messages/actor_system_setup.hpp"
#include "messages/job_messages.hpp"
#include "messages/type_ids.hpp"
#include "tests/conformance/broker/http_sink.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

using namespace recodex;
using namespace recodex::notifier;
using namespace std::chrono_literals;
using recodex::testing::http_sink;

namespace {

notifier_config config_for(const http_sink& http, std::chrono::milliseconds first_delay = 20ms) {
  notifier_config c;
  c.address = "http://127.0.0.1:" + std::to_string(http.port()) + "/r";
  c.retry_delays = {first_delay, 2 * first_delay, 4 * first_delay, 8 * first_delay};
  c.timeout = 2s;
  return c;
}

// What the broker's face sees: the notifier's answer to one report, as text ("delivered",
// "given up", "error: ..."), together with how many requests the web application had received
// when the answer arrived.
struct answer {
  std::string outcome;
  std::size_t requests_seen = 0;
};

// Sends the report as a request (as the broker's face does) and passes whatever answers it on
// to `observer`, once per answer: a second answer would show up as a second message.
caf::behavior asker(caf::event_based_actor* self, caf::actor notifier, caf::actor observer,
                    http_sink* http) {
  self->request(notifier, caf::infinite, job_status_report{"j1", job_status::ok, ""})
      .then(
          [=](bool delivered) {
            self->send(observer, std::string{delivered ? "delivered" : "given up"},
                       http->requests().size());
          },
          [=](caf::error& e) {
            self->send(observer, "error: " + self->system().render(e), http->requests().size());
          });
  return {[](caf::unit_t) {}}; // stays alive until the system ends
}

struct notifier_rig {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<caf::scoped_actor> self;
  caf::actor notifier;

  explicit notifier_rig(const notifier_config& config) {
    configure_actor_system(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    self = std::make_unique<caf::scoped_actor>(*sys);
    notifier = spawn_notifier(*sys, config).value();
  }
  ~notifier_rig() {
    caf::anon_send_exit(notifier, caf::exit_reason::user_shutdown);
    notifier = nullptr;
    self.reset();
  }
  void report(http_sink& http) { sys->spawn(asker, notifier, caf::actor{*self}, &http); }
  // The next answer, or nothing within `timeout`.
  std::optional<answer> next_answer(std::chrono::milliseconds timeout = 5000ms) {
    std::optional<answer> out;
    (*self)->receive(
        [&](const std::string& outcome, std::size_t seen) {
          out = answer{outcome, seen};
        },
        caf::after(timeout) >> [] {});
    return out;
  }
};

std::vector<int> statuses(const std::vector<testing::http_request>& requests) {
  std::vector<int> out;
  for (const auto& r : requests)
    out.push_back(r.status);
  return out;
}

} // namespace

TEST_CASE("a report whose first attempt fails and second succeeds is answered once, delivered, "
          "after the second attempt",
          "[notifier][actor]") {
  http_sink http{1, 500};
  notifier_rig rig{config_for(http)};
  rig.report(http);
  auto first = rig.next_answer();
  REQUIRE(first);
  CHECK(first->outcome == "delivered");
  CHECK(first->requests_seen == 2);    // not at the failed first attempt
  CHECK_FALSE(rig.next_answer(300ms)); // the remaining delays (40, 80 ms) have passed twice over
  CHECK(statuses(http.requests()) == std::vector<int>{500, 200});
}

TEST_CASE("a report that fails every attempt is answered once, given up, after the fourth",
          "[notifier][actor]") {
  http_sink http{100, 500};
  notifier_rig rig{config_for(http)};
  rig.report(http);
  auto first = rig.next_answer();
  REQUIRE(first);
  CHECK(first->outcome == "given up");
  CHECK(first->requests_seen == 4);
  CHECK_FALSE(rig.next_answer(300ms));
  CHECK(http.requests().size() == 4);
}

TEST_CASE("a report delivered at once is answered delivered", "[notifier][actor]") {
  http_sink http;
  notifier_rig rig{config_for(http)};
  rig.report(http);
  auto first = rig.next_answer();
  REQUIRE(first);
  CHECK(first->outcome == "delivered");
  CHECK(first->requests_seen == 1);
}

TEST_CASE("a drain answers the report it delivers with delivered, and one still failing when "
          "its budget ends with an error (not through)",
          "[notifier][actor][drain]") {
  SECTION("delivered by the drain") {
    http_sink http{1, 500};
    notifier_rig rig{config_for(http, 10s)}; // the retry would be 10 s away
    rig.report(http);
    REQUIRE(http.wait_for(1).size() == 1);
    CHECK(drain_notifier(*rig.sys, rig.notifier, 2s, 2s) == 0);
    auto first = rig.next_answer();
    REQUIRE(first);
    CHECK(first->outcome == "delivered");
    CHECK(statuses(http.requests()) == std::vector<int>{500, 200});
  }
  SECTION("still failing when the budget ends") {
    http_sink http{1000, 500};
    notifier_rig rig{config_for(http, 10s)};
    rig.report(http);
    REQUIRE(http.wait_for(1).size() == 1);
    CHECK(drain_notifier(*rig.sys, rig.notifier, 100ms, 2s) == 1);
    auto first = rig.next_answer();
    REQUIRE(first);
    CHECK(first->outcome.rfind("error: ", 0) == 0);
    CHECK_FALSE(rig.next_answer(100ms));
  }
}
