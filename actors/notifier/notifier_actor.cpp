// The notifier shell: one blocking Beast request per attempt on the actor's own thread
// (detached), retries as delayed self-messages so other reports are not held up by a sleep;
// a report's request is answered when the report is through (notifier_core's after_attempt
// decides); at shutdown the waiting retries are drained within a budget.
#include "actors/notifier/notifier_actor.hpp"

#include "actors/notifier/notifier_core.hpp"
#include "messages/type_ids.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <map>
#include <unistd.h>
#include <optional>
#include <thread>

namespace recodex::notifier {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

using retry_atom = caf::atom_constant<caf::atom("ntretry")>;
using drain_atom = caf::atom_constant<caf::atom("ntdrain")>;

struct http_answer {
  unsigned status = 0;
  std::string location;
};

http::request<http::string_body> make_request(const http_endpoint& endpoint, const http_post& post) {
  http::request<http::string_body> request{http::verb::post, post.target, 11};
  request.set(http::field::host, endpoint.host);
  request.set(http::field::user_agent, "recodex-broker");
  request.set(http::field::content_type, "application/x-www-form-urlencoded");
  if (!post.authorization.empty())
    request.set(http::field::authorization, post.authorization);
  request.body() = post.body;
  request.prepare_payload();
  return request;
}

// Writes the request and reads the answer with asynchronous operations, because only those
// honour the stream's deadline (a peer that accepts and never answers must not hang the
// notifier, nor the node's shutdown). `layer` is the TCP stream carrying the deadline.
template <class Stream>
void write_then_read(Stream& stream, beast::tcp_stream& layer, std::chrono::milliseconds timeout,
                     http::request<http::string_body>& request, beast::flat_buffer& buffer,
                     http::response<http::string_body>& response, beast::error_code& failure) {
  layer.expires_after(timeout);
  http::async_write(stream, request, [&, timeout](beast::error_code e, std::size_t) {
    if (e) {
      failure = e;
      return;
    }
    layer.expires_after(timeout);
    http::async_read(stream, buffer, response, [&](beast::error_code e2, std::size_t) { failure = e2; });
  });
}

// One attempt; the HTTP status (and Location) or what went wrong. Every step is bounded by
// config.timeout.
result<http_answer> attempt(asio::io_context& io, asio::ssl::context& tls, const notifier_config& config,
                            const http_endpoint& endpoint, const http_post& post) {
  try {
    asio::ip::tcp::resolver resolver{io};
    beast::error_code failure;
    auto addresses = resolver.resolve(endpoint.host, std::to_string(endpoint.port), failure);
    if (failure)
      return make_error(errc::unavailable, "cannot resolve " + endpoint.host + ": " + failure.message());
    auto request = make_request(endpoint, post);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    io.restart();
    if (!endpoint.tls) {
      beast::tcp_stream stream{io};
      stream.expires_after(config.timeout);
      stream.async_connect(addresses, [&](beast::error_code e, const asio::ip::tcp::endpoint&) {
        if (e)
          failure = e;
        else
          write_then_read(stream, stream, config.timeout, request, buffer, response, failure);
      });
      io.run();
    } else {
      beast::ssl_stream<beast::tcp_stream> stream{io, tls};
      SSL_set_tlsext_host_name(stream.native_handle(), endpoint.host.c_str());
      stream.set_verify_callback(asio::ssl::host_name_verification(endpoint.host));
      auto& layer = beast::get_lowest_layer(stream);
      layer.expires_after(config.timeout);
      layer.async_connect(addresses, [&](beast::error_code e, const asio::ip::tcp::endpoint&) {
        if (e) {
          failure = e;
          return;
        }
        layer.expires_after(config.timeout);
        stream.async_handshake(asio::ssl::stream_base::client, [&](beast::error_code e2) {
          if (e2)
            failure = e2;
          else
            write_then_read(stream, layer, config.timeout, request, buffer, response, failure);
        });
      });
      io.run();
    }
    if (failure)
      return make_error(errc::unavailable, failure.message());
    return http_answer{response.result_int(), std::string{response[http::field::location]}};
  } catch (const std::exception& e) {
    return make_error(errc::unavailable, e.what());
  }
}

// A report whose last attempt failed, waiting for its next one, with the answer the sender
// waits for (none for an error report or a report that came without a request).
struct waiting_post {
  std::string what;
  http_post post;
  unsigned number = 0; // the next attempt's number
  caf::response_promise answer;
};

struct notifier_state {
  notifier_config config;
  http_endpoint endpoint;
  asio::io_context io;
  asio::ssl::context tls{asio::ssl::context::tls_client};
  std::map<std::uint64_t, waiting_post> waiting; // by retry ticket
  std::uint64_t next_ticket = 0;
  static inline const char* name = "notifier";
};

using notifier_actor = caf::stateful_actor<notifier_state>;

// One attempt including redirects (at most five hops); empty when delivered, else the reason.
std::optional<std::string> try_post(notifier_actor* self, const notifier_config& config, const http_post& post) {
  auto& st = self->state;
  auto endpoint = st.endpoint;
  auto current = post;
  auto outcome = attempt(st.io, st.tls, config, endpoint, current);
  for (int hops = 0; hops < 5 && outcome && is_redirect(outcome.value().status); ++hops) {
    auto next = redirect_target(endpoint, outcome.value().location);
    if (!next)
      break;
    endpoint = std::move(next.value().endpoint);
    current.target = std::move(next.value().target);
    outcome = attempt(st.io, st.tls, config, endpoint, current);
  }
  if (outcome && outcome.value().status < 300)
    return std::nullopt;
  return outcome ? "HTTP " + std::to_string(outcome.value().status) : outcome.error().message;
}

// The final outcome, once: true when the web application has the report, false when it was
// given up. A report sent without a request (or from outside any actor) gets no answer.
void answer(caf::response_promise& promise, bool delivered) {
  if (promise.pending() && !promise.async())
    promise.deliver(delivered);
}

void give_up(waiting_post& w, const std::string& failure) {
  spdlog::error("notifier: {} given up after {} attempts, last: {}", w.what, w.number, failure);
  answer(w.answer, false);
}

// Attempt w.number; then the report is through (answered) or waits for its retry.
void send_post(notifier_actor* self, waiting_post w) {
  auto& st = self->state;
  auto failure = try_post(self, st.config, w.post);
  auto step = after_attempt(st.config, w.number, !failure);
  switch (step.outcome) {
    case attempt_outcome::delivered:
      spdlog::debug("notifier: {} delivered", w.what);
      answer(w.answer, true);
      return;
    case attempt_outcome::given_up:
      give_up(w, *failure);
      return;
    case attempt_outcome::retry:
      break;
  }
  spdlog::warn("notifier: {} attempt {} failed ({}), retrying in {} ms", w.what, w.number, *failure,
               step.delay.count());
  ++w.number;
  auto ticket = st.next_ticket++;
  st.waiting.emplace(ticket, std::move(w));
  self->delayed_send(self, step.delay, retry_atom::value, ticket);
}

// Shutdown: every waiting report is tried again at once, and again after short pauses, until
// it is delivered, runs out of attempts, or the budget is spent (no attempt outlives it).
// Reports still waiting then are answered with an error: they are not through (the broker
// sends them again after its restart). Returns how many those were. Blocks this detached
// actor only; its answers reach their senders as they are decided, before the drain's own.
std::uint64_t drain(notifier_actor* self, std::chrono::milliseconds budget) {
  auto& st = self->state;
  auto deadline = std::chrono::steady_clock::now() + budget;
  auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  };
  while (!st.waiting.empty() && left().count() > 0) {
    for (auto i = st.waiting.begin(); i != st.waiting.end() && left().count() > 0;) {
      auto config = st.config;
      config.timeout = std::min(config.timeout, left());
      auto& w = i->second;
      auto failure = try_post(self, config, w.post);
      auto step = after_attempt(st.config, w.number, !failure);
      if (step.outcome == attempt_outcome::delivered) {
        spdlog::info("notifier: {} delivered at shutdown", w.what);
        answer(w.answer, true);
        i = st.waiting.erase(i);
      } else if (step.outcome == attempt_outcome::given_up) {
        give_up(w, *failure);
        i = st.waiting.erase(i);
      } else {
        ++w.number;
        ++i;
      }
    }
    if (!st.waiting.empty())
      std::this_thread::sleep_for(std::min(left(), std::chrono::milliseconds{200}));
  }
  for (auto& [ticket, w] : st.waiting) {
    spdlog::error("notifier: {} not delivered at shutdown ({} ms spent)", w.what, budget.count());
    if (w.answer.pending() && !w.answer.async())
      w.answer.deliver(caf::make_error(caf::sec::request_timeout, "not delivered at shutdown"));
  }
  auto dropped = st.waiting.size();
  st.waiting.clear();
  return dropped;
}

caf::behavior notifier_behavior(notifier_actor* self, notifier_config config, http_endpoint endpoint) {
  self->state.config = std::move(config);
  self->state.endpoint = std::move(endpoint);
  self->state.tls.set_default_verify_paths();
  if (!self->state.config.ca_file.empty()) {
    beast::error_code failure;
    self->state.tls.load_verify_file(self->state.config.ca_file, failure);
    if (failure)
      spdlog::error("notifier: cannot load ca_file {}: {}", self->state.config.ca_file, failure.message());
  }
  self->state.tls.set_verify_mode(asio::ssl::verify_peer);
  return {
    // From the broker's face, as a request: answered once the report is through.
    [=](const job_status_report& report) {
      auto promise = self->make_response_promise();
      auto post = job_status_post(self->state.config, self->state.endpoint, report);
      send_post(self, {"[job " + report.job_id + "] status " + to_string(report.status), std::move(post), 1, promise});
      return promise;
    },
    [=](const error_report& report) {
      send_post(self, {"error report", error_post(self->state.config, self->state.endpoint, report), 1, {}});
    },
    [=](retry_atom, std::uint64_t ticket) {
      auto i = self->state.waiting.find(ticket);
      if (i == self->state.waiting.end())
        return; // settled by a drain
      auto w = std::move(i->second);
      self->state.waiting.erase(i);
      send_post(self, std::move(w));
    },
    [=](drain_atom, caf::timespan budget) -> std::uint64_t {
      return drain(self, std::chrono::duration_cast<std::chrono::milliseconds>(budget));
    },
  };
}

} // namespace

result<caf::actor> spawn_notifier(caf::actor_system& sys, notifier_config config) {
  if (config.address.empty())
    return caf::actor{};
  RECODEX_TRY(endpoint, parse_url(config.address, config.port));
  if (!config.ca_file.empty() && ::access(config.ca_file.c_str(), R_OK) != 0)
    return make_errno_error(errno, "notifier.ca_file " + config.ca_file + " cannot be read");
  return sys.spawn<caf::detached>(notifier_behavior, std::move(config), std::move(endpoint));
}

std::uint64_t drain_notifier(caf::actor_system& sys, const caf::actor& notifier, std::chrono::milliseconds budget,
                             std::chrono::milliseconds slack) {
  if (!notifier)
    return 0;
  std::uint64_t dropped = 0;
  caf::scoped_actor self{sys};
  self->request(notifier, budget + slack, drain_atom::value, caf::timespan{budget})
    .receive([&](std::uint64_t n) { dropped = n; },
             [&](caf::error& e) { spdlog::error("notifier: drain failed: {}", sys.render(e)); });
  return dropped;
}

} // namespace recodex::notifier
