// Every type of the project's type-id block crosses a real middleman connection between two
// actor systems in this process and arrives intact. A type added to the block without a sample
// below does not compile, so no message type goes untested.
#include "messages/actor_system_setup.hpp"
#include "messages/caf_error.hpp"
#include "messages/type_ids.hpp"
#include "tests/harness/embedded_system.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <catch2/catch.hpp>

#include <utility>

using namespace recodex;
using namespace std::chrono_literals;

namespace {

template <class T>
struct tag {};

// -- one non-default sample per registered type --
storage::blob_info sample(tag<storage::blob_info>) {
  return {"a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", 4, true};
}
storage::manifest_entry sample(tag<storage::manifest_entry>) {
  return {"input/01.in", "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", 4};
}
storage::version_info sample(tag<storage::version_info>) {
  return {3, 1763800000, "Fix the reference output", "0123abcd", {sample(tag<storage::manifest_entry>{})}};
}
storage::task_summary sample(tag<storage::task_summary>) { return {"sum-two", 7}; }
storage::version_diff sample(tag<storage::version_diff>) {
  return {{"02.in"}, {"old.txt"}, {"01.out", "judge.cfg"}};
}
storage::task_file sample(tag<storage::task_file>) {
  return storage::task_file::with_content("01.in", std::string("1 2\n\0binary", 12));
}
put_blob sample(tag<put_blob>) { return {"hello", "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"}; }
find_blob sample(tag<find_blob>) { return {"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"}; }
push_task_version sample(tag<push_task_version>) {
  return {"sum-two", {sample(tag<storage::task_file>{}), storage::task_file::with_sha1("x", "ab")}, "v1"};
}
list_tasks sample(tag<list_tasks>) { return {}; }
list_task_versions sample(tag<list_task_versions>) { return {"sum-two"}; }
get_task_version sample(tag<get_task_version>) { return {"sum-two", 2}; }
revert_task sample(tag<revert_task>) { return {"sum-two", 1, "back to the first"}; }
diff_task_versions sample(tag<diff_task_versions>) { return {"sum-two", 1, 3}; }
blob_location sample(tag<blob_location>) {
  return {"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", "/var/tasks/a/aaf4", 5};
}
task_list sample(tag<task_list>) { return {{{"a", 1}, {"b", 4}}}; }
task_versions sample(tag<task_versions>) {
  return {"sum-two", {sample(tag<storage::version_info>{})}};
}

// -- job flow --
header_list sample_headers() { return {{"hwgroup", "group1|group2"}, {"env", "c"}, {"env", "python3"}}; }
job_request sample(tag<job_request>) {
  return {"student_42", sample_headers(), {"http://f/archive.zip", std::string("bin\0ary", 7)}};
}
eval_reply sample(tag<eval_reply>) { return {false, "The broker is frozen."}; }
get_runtime_stats sample(tag<get_runtime_stats>) { return {}; }
runtime_stats sample(tag<runtime_stats>) { return {7, 2, 1, 3, 11, 4, true}; }
set_frozen sample(tag<set_frozen>) { return {false}; }
worker_info sample(tag<worker_info>) {
  return {std::string("\0\x80\x01\x02\x03", 5), "group1", sample_headers(), "box 1", "student_7"};
}
worker_ping sample(tag<worker_ping>) { return {"w1"}; }
job_done sample(tag<job_done>) { return {"student_42", job_status::internal_error, "no config"}; }
worker_done sample(tag<worker_done>) { return {"w1", {"student_42", job_status::failed, "bad"}}; }
progress sample(tag<progress>) { return {"student_42", "TASK", "run_py", "COMPLETED"}; }
worker_progress sample(tag<worker_progress>) { return {"w1", {"student_42", "STARTED", "", ""}}; }
job_assignment sample(tag<job_assignment>) { return {"w1", "student_42", {"a", "b"}}; }
worker_pong sample(tag<worker_pong>) { return {"w1"}; }
worker_intro sample(tag<worker_intro>) { return {"w2"}; }
job_status_report sample(tag<job_status_report>) {
  return {"student_42", job_status::failed, "Job was reassigned too many (2) times."};
}
error_report sample(tag<error_report>) { return {"Received two different INIT messages"}; }
progress_batch sample(tag<progress_batch>) {
  return {{{"student_42", "TASK", "compile", "COMPLETED"}, {"student_42", "FINISHED", "", ""}}};
}

constexpr auto first_id = caf::id_block::recodex::begin;
constexpr auto type_count = caf::id_block::recodex::end - caf::id_block::recodex::begin;

template <caf::type_id_t Offset>
using type_at = typename caf::type_by_id<first_id + Offset>::type;

// An actor that answers every registered type with the value it received.
template <caf::type_id_t... Offsets>
caf::behavior echo_all(std::integer_sequence<caf::type_id_t, Offsets...>) {
  return caf::behavior{[](const type_at<Offsets>& value) { return value; }...};
}

caf::behavior echo(caf::event_based_actor*) {
  return echo_all(std::make_integer_sequence<caf::type_id_t, type_count>{});
}

struct system_config : caf::actor_system_config {
  system_config() {
    recodex::configure_actor_system(*this);
    set("scheduler.max-threads", 2);
  }
};

// Sends one sample and checks what comes back; returns true when it matched.
template <class T>
bool round_trip(caf::scoped_actor& self, const caf::actor& server) {
  const auto sent = sample(tag<T>{});
  bool matched = false;
  self->request(server, 10s, sent)
    .receive(
      [&](const T& received) {
        INFO("type " << caf::type_name<T>::value);
        CHECK(caf::deep_to_string(received) == caf::deep_to_string(sent));
        matched = caf::deep_to_string(received) == caf::deep_to_string(sent);
      },
      [&](const caf::error& err) {
        FAIL_CHECK(caf::type_name<T>::value << " failed: " << self->system().render(err));
      });
  return matched;
}

template <caf::type_id_t... Offsets>
std::size_t round_trip_all(caf::scoped_actor& self, const caf::actor& server,
                           std::integer_sequence<caf::type_id_t, Offsets...>) {
  return (std::size_t{0} + ... + (round_trip<type_at<Offsets>>(self, server) ? 1u : 0u));
}

} // namespace

TEST_CASE("every registered message type crosses the middleman intact", "[messages][middleman]") {
  system_config server_config;
  caf::actor_system server_system{server_config};
  auto server = server_system.spawn(echo);
  auto port = server_system.middleman().publish(server, 0, "127.0.0.1", true);
  REQUIRE(port);

  system_config client_config;
  caf::actor_system client_system{client_config};
  auto remote = client_system.middleman().remote_actor("127.0.0.1", *port);
  REQUIRE(remote);
  caf::scoped_actor self{client_system};
  auto matched = round_trip_all(self, *remote, std::make_integer_sequence<caf::type_id_t, type_count>{});
  CHECK(matched == type_count);

  caf::anon_send_exit(server, caf::exit_reason::user_shutdown);
}

TEST_CASE("every registered type has its qualified name", "[messages]") {
  CHECK(std::string{caf::type_name<storage::blob_info>::value} == "recodex::storage::blob_info");
  CHECK(std::string{caf::type_name<put_blob>::value} == "recodex::put_blob");
  CHECK(type_count >= 17);
}

TEST_CASE("a remote file store answers with values and with our errors", "[messages][middleman][filestore]") {
  testing::embedded_options options;
  options.publish_filestore = true;
  testing::embedded_system harness{options};
  REQUIRE(harness.filestore_port() != 0);

  system_config client_config;
  caf::actor_system client_system{client_config};
  auto remote = client_system.middleman().remote_actor<filestore_actor>("127.0.0.1", harness.filestore_port());
  REQUIRE(remote);
  caf::scoped_actor self{client_system};

  self->request(*remote, 10s, put_blob{"hello\n", ""})
    .receive([](const storage::blob_info& info) {
               CHECK(info.sha1 == "f572d396fae9206628714fb2ce00f72e94f2258f");
               CHECK(info.size == 6);
               CHECK(info.created);
             },
             [&](const caf::error& err) { FAIL(client_system.render(err)); });

  self->request(*remote, 10s, put_blob{"hello\n", "0000000000000000000000000000000000000000"})
    .receive([](const storage::blob_info&) { FAIL("a wrong claimed hash was accepted"); },
             [](const caf::error& err) { CHECK(from_caf_error(err).code == errc::hash_mismatch); });

  self->request(*remote, 10s, get_task_version{"no-such-task", 0})
    .receive([](const storage::version_info&) { FAIL("an unknown task has a version"); },
             [](const caf::error& err) {
               auto e = from_caf_error(err);
               CHECK(e.code == errc::not_found);
               CHECK_FALSE(e.message.empty());
             });
}
