// Theory of operation: every call resolves its URL, takes an idle keep-alive connection to that
// server from the pool (or opens one: TCP connect, then the TLS handshake with SNI and host name
// verification) and runs one request on it. Each connection owns its io_context, and every
// socket step is one asynchronous Beast operation run to completion on it, because only
// asynchronous operations honour tcp_stream's deadline: the deadline is set before each step
// (connect_timeout for the connect, idle_timeout for every other read or write), so a stalled
// peer fails the call while a slow but moving one does not. Bodies move in 64 KiB pieces
// (buffer_body on the way down, file_body on the way up). A connection goes back to the pool only
// after a complete 2xx exchange the server agreed to keep alive; one taken from the pool that
// fails before any answer arrives (the server closed it meanwhile) is replaced by a fresh one
// once. A 3xx answer is followed to its Location (credentials chosen again for the new URL).
#include "actors/worker/transfer/http_file_transfer.hpp"

#include "actors/worker/transfer/transfer_requests.hpp"
#include "storage/atomic_file.hpp"
#include "storage/file_io.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <fcntl.h>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>
#include <variant>
#include <vector>

namespace recodex::worker {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t piece_size = 64 * 1024;
constexpr std::uint64_t max_error_body = 64 * 1024;
constexpr std::size_t max_idle_per_server = 8;

// One connection to one server, with the io_context its operations run on (declared first, so
// the streams are destroyed before it).
struct connection {
  asio::io_context io;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer; // bytes read past the end of the previous answer
  bool reused = false;

  beast::tcp_stream& layer() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  template <class Operation> auto with_stream(Operation operation) {
    return secure ? operation(*secure) : operation(*plain);
  }

  // Runs one asynchronous operation to its end.
  template <class Initiate> beast::error_code run(Initiate initiate) {
    beast::error_code outcome = asio::error::operation_aborted;
    initiate([&outcome](beast::error_code e, auto&&...) { outcome = e; });
    io.restart();
    io.run();
    return outcome;
  }
};

std::string server_key(const notifier::http_endpoint& e) {
  return (e.tls ? "https://" : "http://") + e.host + ":" + std::to_string(e.port);
}

// Why a step failed, in words an operator reads: timeouts say which limit they hit.
std::string describe(beast::error_code e, std::chrono::seconds limit) {
  if (e == beast::error::timeout)
    return "timed out after " + std::to_string(limit.count()) + " s";
  if (e == http::error::partial_message)
    return "the connection ended before the whole body arrived";
  if (e.category() == asio::error::get_ssl_category())
    return "TLS: " + e.message();
  return e.message();
}

// The server closed a pooled connection while it was idle: nothing was answered.
bool closed_while_idle(beast::error_code e) {
  return e == http::error::end_of_stream || e == asio::error::eof ||
         e == asio::error::connection_reset || e == asio::error::broken_pipe ||
         e == asio::ssl::error::stream_truncated;
}

struct failure {
  std::string cause;
  bool before_answer = false; // nothing came back: a pooled connection may simply be stale
};

// What came back: the status, its reason and where a redirect points.
struct answer {
  unsigned status = 0;
  std::string reason;
  std::string location;
};

using exchange_result = std::variant<answer, failure>;

std::string status_text(const answer& a) {
  auto reason = a.reason.empty()
                    ? std::string{http::obsolete_reason(static_cast<http::status>(a.status))}
                    : a.reason;
  return "HTTP " + std::to_string(a.status) + " " + reason;
}

template <class Body>
void set_common_fields(http::request<Body>& request, const request_location& where,
                       const std::string& authorization) {
  const auto& e = where.endpoint;
  auto default_port = e.tls ? 443 : 80;
  request.set(http::field::host,
              e.port == default_port ? e.host : e.host + ":" + std::to_string(e.port));
  request.set(http::field::user_agent, "recodex-worker");
  if (!authorization.empty())
    request.set(http::field::authorization, authorization);
  request.keep_alive(true);
}

// Writes a whole request piece by piece, each piece bounded by the idle limit.
template <class Body>
beast::error_code write_request(connection& c, http::request<Body>& request,
                                std::chrono::seconds idle) {
  http::request_serializer<Body> serializer{request};
  while (!serializer.is_done()) {
    c.layer().expires_after(idle);
    auto e = c.with_stream([&](auto& stream) {
      return c.run([&](auto handler) { http::async_write_some(stream, serializer, handler); });
    });
    if (e)
      return e;
  }
  return {};
}

template <class Parser>
beast::error_code read_header(connection& c, Parser& parser, std::chrono::seconds idle) {
  c.layer().expires_after(idle);
  return c.with_stream([&](auto& stream) {
    return c.run([&](auto handler) { http::async_read_header(stream, c.buffer, parser, handler); });
  });
}

// Reads (and drops) a short answer body, so the status can be reported; nothing is kept.
template <class Parser> void skip_body(connection& c, Parser& parser, std::chrono::seconds idle) {
  c.layer().expires_after(idle);
  c.with_stream([&](auto& stream) {
    return c.run([&](auto handler) { http::async_read(stream, c.buffer, parser, handler); });
  });
}

// The file a download fills, removed unless the download completes.
class download_file {
public:
  explicit download_file(std::filesystem::path path) : path_{std::move(path)} {}
  ~download_file() {
    fd_.reset();
    if (!complete_)
      ::unlink(path_.c_str());
  }

  result<void> open() {
    fd_ = storage::unique_fd{::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)};
    if (!fd_)
      return make_errno_error(errno, "cannot create " + path_.string());
    return ok();
  }
  result<void> write(const char* data, std::size_t size) {
    return storage::write_fully(fd_.get(), data, size, path_);
  }
  // Downloaded files are writable by everyone (4.3): tasks in the sandbox run as another user.
  result<void> finish() {
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0 || ::fchmod(fd_.get(), (st.st_mode & 07777) | 0222) != 0)
      return make_errno_error(errno, "cannot make " + path_.string() + " writable");
    if (::close(fd_.release()) != 0)
      return make_errno_error(errno, "cannot write " + path_.string());
    complete_ = true;
    return ok();
  }

private:
  std::filesystem::path path_;
  storage::unique_fd fd_;
  bool complete_ = false;
};

} // namespace

struct http_file_transfer::impl {
  transfer_config config;
  asio::ssl::context tls{asio::ssl::context::tls_client};
  std::mutex pool_mutex;
  std::multimap<std::string, std::unique_ptr<connection>> idle; // by server_key

  // -- connections --

  result<std::unique_ptr<connection>> connect(const notifier::http_endpoint& e) {
    auto c = std::make_unique<connection>();
    tcp::resolver resolver{c->io};
    beast::error_code failed;
    auto addresses = resolver.resolve(e.host, std::to_string(e.port), failed);
    if (failed)
      return make_error(errc::unavailable, "cannot resolve " + e.host + ": " + failed.message());
    if (e.tls) {
      c->secure.emplace(c->io, tls);
      beast::error_code not_an_address;
      asio::ip::make_address(e.host, not_an_address);
      if (not_an_address) // SNI carries names only
        SSL_set_tlsext_host_name(c->secure->native_handle(), e.host.c_str());
      c->secure->set_verify_callback(asio::ssl::host_name_verification(e.host));
    } else {
      c->plain.emplace(c->io);
    }
    c->layer().expires_after(config.connect_timeout);
    failed = c->run([&](auto handler) { c->layer().async_connect(addresses, handler); });
    if (failed)
      return make_error(errc::unavailable, describe(failed, config.connect_timeout));
    // A PUT goes out as the header, then the body: with Nagle's algorithm the body's first
    // segment waits for the ACK of the header, which the server delays by up to 40 ms.
    beast::error_code ignored;
    c->layer().socket().set_option(asio::ip::tcp::no_delay(true), ignored);
    if (e.tls) {
      c->layer().expires_after(config.idle_timeout);
      failed = c->run([&](auto handler) {
        c->secure->async_handshake(asio::ssl::stream_base::client, handler);
      });
      if (failed)
        return make_error(errc::unavailable, describe(failed, config.idle_timeout));
    }
    return c;
  }

  // A pooled connection to the server when one waits, else a new one.
  result<std::unique_ptr<connection>> take(const notifier::http_endpoint& e, bool fresh) {
    if (!fresh && config.reuse_connections) {
      std::lock_guard lock{pool_mutex};
      if (auto it = idle.find(server_key(e)); it != idle.end()) {
        auto c = std::move(it->second);
        idle.erase(it);
        c->reused = true;
        return c;
      }
    }
    return connect(e);
  }

  void give_back(const notifier::http_endpoint& e, std::unique_ptr<connection> c) {
    if (!config.reuse_connections)
      return;
    std::lock_guard lock{pool_mutex};
    auto key = server_key(e);
    if (idle.count(key) < max_idle_per_server)
      idle.emplace(key, std::move(c));
  }

  // -- one request on one connection --

  // GET; a 2xx body goes to `file`.
  exchange_result get_once(connection& c, const request_location& where,
                           const std::string& authorization, download_file& file, bool& keep) {
    http::request<http::empty_body> request{http::verb::get, where.target, 11};
    set_common_fields(request, where, authorization);
    if (auto e = write_request(c, request, config.idle_timeout))
      return failure{describe(e, config.idle_timeout), true};
    http::response_parser<http::buffer_body> parser;
    // Not boost::none: Boost 1.74 compares the optional with the Content-Length and refuses.
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (auto e = read_header(c, parser, config.idle_timeout))
      return failure{describe(e, config.idle_timeout), closed_while_idle(e)};
    auto& response = parser.get();
    answer got{response.result_int(), std::string{response.reason()},
               std::string{response[http::field::location]}};
    if (got.status < 200 || got.status >= 300)
      return got;
    if (auto opened = file.open(); !opened)
      return failure{opened.error().message};
    std::vector<char> piece(piece_size);
    while (!parser.is_done()) {
      response.body().data = piece.data();
      response.body().size = piece.size();
      c.layer().expires_after(config.idle_timeout);
      auto e = c.with_stream([&](auto& stream) {
        return c.run([&](auto handler) { http::async_read(stream, c.buffer, parser, handler); });
      });
      if (e == http::error::need_buffer)
        e = {};
      if (e)
        return failure{describe(e, config.idle_timeout)};
      if (auto written = file.write(piece.data(), piece.size() - response.body().size); !written)
        return failure{written.error().message};
    }
    keep = response.keep_alive();
    return got;
  }

  // PUT of `file`'s bytes.
  exchange_result put_once(connection& c, const request_location& where,
                           const std::string& authorization, const std::filesystem::path& file,
                           bool& keep) {
    http::request<http::file_body> request{http::verb::put, where.target, 11};
    set_common_fields(request, where, authorization);
    beast::error_code e;
    request.body().open(file.c_str(), beast::file_mode::scan, e);
    if (e)
      return failure{"cannot read " + file.string() + ": " + e.message()};
    request.prepare_payload();
    auto written = write_request(c, request, config.idle_timeout);
    // A server may answer (401, 413) before it has read the whole body and close: its answer
    // then says more than the broken pipe.
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_error_body);
    if (auto read = read_header(c, parser, config.idle_timeout)) {
      auto cause = written ? written : read;
      return failure{describe(cause, config.idle_timeout), closed_while_idle(cause)};
    }
    skip_body(c, parser, config.idle_timeout);
    const auto& response = parser.get();
    keep = !written && parser.is_done() && response.keep_alive();
    return answer{response.result_int(), std::string{response.reason()},
                  std::string{response[http::field::location]}};
  }

  // -- the request loop shared by both directions --

  // Runs `exchange` against `url`, following redirects; the final 2xx answer or the error.
  template <class Exchange>
  result<void> perform(const char* method, const std::string& url, Exchange exchange) {
    auto fail = [&](const std::string& where, const std::string& cause) {
      auto shown = where == url ? url : url + " (redirected to " + where + ")";
      return make_error(errc::unavailable, std::string{method} + " " + shown + ": " + cause);
    };
    auto location = parse_request_url(url);
    if (!location)
      return fail(url, location.error().message);
    for (unsigned hops = 0;; ++hops) {
      auto where = location.value();
      auto shown = to_url(where);
      auto authorization = authorization_for(config.file_managers, shown);
      std::optional<exchange_result> outcome;
      for (bool fresh = false; !outcome; fresh = true) {
        auto c = take(where.endpoint, fresh);
        if (!c)
          return fail(shown, c.error().message);
        bool keep = false;
        auto attempt = exchange(*c.value(), where, authorization, keep);
        auto* failed = std::get_if<failure>(&attempt);
        if (failed && failed->before_answer && c.value()->reused)
          continue; // the server closed the idle connection: once more on a new one
        if (keep)
          give_back(where.endpoint, std::move(c.value()));
        outcome = std::move(attempt);
      }
      if (auto* failed = std::get_if<failure>(&*outcome))
        return fail(shown, failed->cause);
      const auto& got = std::get<answer>(*outcome);
      if (got.status >= 200 && got.status < 300)
        return ok();
      if (!notifier::is_redirect(got.status))
        return fail(shown, status_text(got));
      if (hops + 1 > config.max_redirects)
        return fail(shown, "more than " + std::to_string(config.max_redirects) + " redirects");
      location = follow_location(where, got.location);
      if (!location)
        return fail(shown, location.error().message);
    }
  }
};

http_file_transfer::http_file_transfer(std::unique_ptr<impl> impl) : impl_{std::move(impl)} {}
http_file_transfer::~http_file_transfer() = default;

result<std::unique_ptr<http_file_transfer>> http_file_transfer::create(transfer_config config) {
  auto state = std::make_unique<impl>();
  beast::error_code e;
  state->tls.set_default_verify_paths(e);
  if (e)
    return make_error(errc::io_error, "cannot load the system's CA certificates: " + e.message());
  if (!config.ca_file.empty()) {
    state->tls.load_verify_file(config.ca_file, e);
    if (e)
      return make_error(errc::invalid_argument,
                        "cannot load ca-file " + config.ca_file + ": " + e.message());
  }
  state->tls.set_verify_mode(asio::ssl::verify_peer);
  state->config = std::move(config);
  return std::unique_ptr<http_file_transfer>{new http_file_transfer{std::move(state)}};
}

result<void> http_file_transfer::download(const std::string& url,
                                          const std::filesystem::path& file) {
  try {
    download_file target{file};
    return impl_->perform("GET", url,
                          [&](connection& c, const request_location& where,
                              const std::string& authorization, bool& keep) {
                            auto got = impl_->get_once(c, where, authorization, target, keep);
                            if (auto* a = std::get_if<answer>(&got);
                                a && a->status >= 200 && a->status < 300)
                              if (auto finished = target.finish(); !finished)
                                return exchange_result{failure{finished.error().message}};
                            return got;
                          });
  } catch (const std::exception& e) {
    std::error_code ignored;
    std::filesystem::remove(file, ignored);
    return make_error(errc::internal, "GET " + url + ": " + e.what());
  }
}

result<void> http_file_transfer::upload(const std::string& url, const std::filesystem::path& file) {
  try {
    return impl_->perform(
        "PUT", url,
        [&](connection& c, const request_location& where, const std::string& authorization,
            bool& keep) { return impl_->put_once(c, where, authorization, file, keep); });
  } catch (const std::exception& e) {
    return make_error(errc::internal, "PUT " + url + ": " + e.what());
  }
}

} // namespace recodex::worker
