// The HTTP/1.1 server of the file store, on Boost.Beast over Asio; the only Beast file here.
//
// Theory of operation
// - N lanes, each an io_context run by one thread (no strands needed: a connection lives on
//   one lane). Lane 0 also owns the acceptor, which hands new sockets round-robin to the lanes,
//   and the temp-cleaning timer.
// - A session reads a request head with Beast's parser and asks request_handler what to do:
//     reply    -> sent at once;
//     upload   -> "100 Continue" if the client expects it, then the body is read through a
//                 buffer_body into a fixed per-session buffer and written chunk by chunk; the
//                 upload's finish() (fsync, rename, git) runs on the blocking pool;
//     deferred -> run on the blocking pool (git, archive building), then the reply is sent.
// - A reply's header is serialized by Beast into a reused string and sent with MSG_MORE; a file
//   body follows by sendfile(2) on the non-blocking socket, waiting for writability on EAGAIN,
//   so no file is ever read into memory.
// - A request whose body was not read (refused early) ends the connection with a lingering
//   close: shutdown(send), then the rest is read and dropped, so the client sees our answer
//   instead of a reset.
// - stop(): close the acceptor, close idle connections, let busy ones finish their response
//   (bounded by stop_timeout), then stop the lanes and join the pool.
#include "actors/filestore/http_server.hpp"

#include "actors/filestore/request_handler.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/buffer_traits.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <ctime>
#include <limits>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <pthread.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <thread>
#include <unordered_set>
#include <vector>

namespace recodex {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

using filestore::decision;
using filestore::reply;

constexpr std::size_t body_chunk_size = 128 * 1024; // one upload read, one write(2) to disk
constexpr std::uint32_t header_limit = 16 * 1024;
constexpr auto linger_timeout = std::chrono::seconds(5);
constexpr auto linger_total = std::chrono::seconds(30);

std::shared_ptr<spdlog::logger> filestore_logger() {
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto log = spdlog::get("filestore"))
    return log;
  return spdlog::stderr_color_mt("filestore");
}

std::string_view view(beast::string_view s) {
  return {s.data(), s.size()};
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The Date header, formatted once per second per thread.
std::string_view http_date() {
  thread_local std::time_t cached_second = 0;
  thread_local char text[64] = {};
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached_second = now;
  }
  return text;
}

class session;

// One io thread with its io_context and the sessions it runs. The registry comes first: the
// io_context's destructor may destroy queued handlers that own sessions, which unregister.
struct lane {
  std::mutex sessions_mutex;
  std::unordered_set<session*> sessions;
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  std::thread thread;
};

bool is_parse_error(const beast::error_code& ec) {
  static const auto& category = http::make_error_code(http::error::bad_target).category();
  return ec.category() == category && ec != http::error::end_of_stream &&
         ec != http::error::partial_message;
}

// What every session shares: configuration, the handler, the pool and the counters.
struct server_core {
  filestore_config config;
  std::shared_ptr<spdlog::logger> log;
  filestore::server_stats stats;
  std::unique_ptr<filestore::request_handler> handler;
  std::unique_ptr<asio::thread_pool> pool;
  std::atomic<bool> stopping{false};
  std::mutex drained_mutex;
  std::condition_variable drained; // connections_open reached 0
};

class session : public std::enable_shared_from_this<session> {
public:
  session(server_core& core, lane& home, tcp::socket socket)
      : core_(core), lane_(home), socket_(std::move(socket)), timer_(home.ioc) {
    core_.stats.connections_open.fetch_add(1, std::memory_order_acq_rel);
    core_.stats.connections_total.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(lane_.sessions_mutex);
    lane_.sessions.insert(this);
  }

  ~session() {
    {
      std::lock_guard<std::mutex> lock(lane_.sessions_mutex);
      lane_.sessions.erase(this);
    }
    if (core_.stats.connections_open.fetch_sub(1, std::memory_order_acq_rel) == 1 &&
        core_.stopping.load()) {
      std::lock_guard<std::mutex> lock(core_.drained_mutex);
      core_.drained.notify_all();
    }
  }

  // On the lane's thread.
  void start() {
    beast::error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    socket_.native_non_blocking(true, ec); // sendfile and send below expect EAGAIN, not blocking
    if (ec)
      return close();
    read_header();
  }

  // On the lane's thread, when the server stops: an idle connection closes now, a busy one
  // after its response.
  void on_server_stop() {
    if (!busy_)
      close();
  }

private:
  enum class after_write { next_request, read_body, linger, close };

  // -- deadline: one timer per session, re-armed lazily --
  void arm(clock_type::duration timeout) {
    deadline_ = clock_type::now() + timeout;
    if (!timer_armed_) {
      timer_armed_ = true;
      timer_.expires_at(deadline_);
      timer_.async_wait([self = shared_from_this()](beast::error_code ec) { self->on_timer(ec); });
    }
  }
  void disarm() { deadline_ = clock_type::time_point::max(); }

  void on_timer(beast::error_code ec) {
    timer_armed_ = false;
    if (ec || closed_)
      return;
    if (clock_type::now() >= deadline_) {
      core_.log->debug("closing a connection after {} s without progress",
                       core_.config.idle_timeout.count());
      return close();
    }
    if (deadline_ != clock_type::time_point::max()) {
      timer_armed_ = true;
      timer_.expires_at(deadline_);
      timer_.async_wait([self = shared_from_this()](beast::error_code ec) { self->on_timer(ec); });
    }
  }

  // -- request head --
  void read_header() {
    if (core_.stopping.load(std::memory_order_relaxed))
      return close();
    busy_ = false;
    parser_.emplace();
    parser_->header_limit(header_limit);
    // The limit is ours, checked while streaming. (Not boost::none: Beast 1.74 compares the
    // length with the empty optional and then reports every body as over the limit.)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    arm(core_.config.idle_timeout);
    http::async_read_header(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (closed_)
      return;
    if (ec) {
      if (is_parse_error(ec)) {
        // A request we cannot parse gets an answer, then the connection ends.
        busy_ = true;
        body_pending_ = true;
        method_.clear();
        target_.clear();
        keep_alive_ = false;
        head_only_ = false;
        version_ = 11;
        if (ec == http::error::header_limit)
          return respond(
              filestore::error_reply(431, "header_too_large", "request header larger than 16 KiB"));
        return respond(
            filestore::error_reply(400, "bad_request", "malformed HTTP request: " + ec.message()));
      }
      return close(); // the peer went away or the deadline passed
    }
    busy_ = true;
    core_.stats.requests.fetch_add(1, std::memory_order_relaxed);
    auto& req = parser_->get();
    filestore::request_head head;
    head.method = filestore::parse_method(view(req.method_string()));
    head.target = view(req.target());
    head.content_type = view(req[http::field::content_type]);
    head.authorization = view(req[http::field::authorization]);
    head.accept = view(req[http::field::accept]);
    if (auto length = parser_->content_length())
      head.content_length = *length;
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    head_only_ = head.method == filestore::http_method::head;
    body_pending_ = !parser_->is_done();
    bool expects_continue =
        version_ >= 11 && iequals(view(req[http::field::expect]), "100-continue");
    method_.assign(filestore::to_string(head.method)); // capacity is reused across requests
    target_.assign(head.target);

    decision d = core_.handler->handle(head);
    if (auto* r = std::get_if<reply>(&d))
      return respond(std::move(*r));
    if (auto* work = std::get_if<filestore::deferred>(&d))
      return run_blocking(std::move(*work));
    upload_ = std::move(std::get<std::unique_ptr<filestore::upload>>(d));
    body_bytes_ = 0;
    if (!body_pending_)
      return finish_upload();
    if (expects_continue) {
      out_.assign("HTTP/1.1 100 Continue\r\n\r\n");
      out_sent_ = 0;
      file_end_ = file_offset_ = 0;
      next_ = after_write::read_body;
      return write_out();
    }
    read_body();
  }

  // -- request body --
  void read_body() {
    if (!body_buffer_)
      body_buffer_ = std::make_unique<char[]>(body_chunk_size);
    auto& body = parser_->get().body();
    body.data = body_buffer_.get();
    body.size = body_chunk_size;
    arm(core_.config.idle_timeout);
    http::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
  }

  void on_body(beast::error_code ec) {
    if (closed_)
      return;
    if (ec == http::error::need_buffer)
      ec = {};
    if (ec) {
      upload_.reset();
      if (is_parse_error(ec)) {
        keep_alive_ = false;
        return respond(
            filestore::error_reply(400, "bad_request", "malformed request body: " + ec.message()));
      }
      return close();
    }
    std::size_t got = body_chunk_size - parser_->get().body().size;
    body_bytes_ += got;
    body_pending_ = !parser_->is_done();
    if (body_bytes_ > core_.config.max_upload_size) {
      upload_.reset();
      return respond(filestore::error_reply(413, "too_large",
                                            "the body exceeds the limit of " +
                                                std::to_string(core_.config.max_upload_size) +
                                                " bytes"));
    }
    if (got > 0) {
      if (auto written = write_upload(std::string_view(body_buffer_.get(), got)); !written) {
        reply failure = upload_->failure(written.error());
        upload_.reset();
        return respond(std::move(failure));
      }
    }
    if (!body_pending_)
      return finish_upload();
    read_body();
  }

  // upload::write parses client bytes on this io thread. An exception there (bad_alloc, a bug in
  // a part handler) must end this request with a 500; escaping, it would unwind the lane's
  // run() and drop the connection without an answer.
  result<void> write_upload(std::string_view data) {
    try {
      return upload_->write(data);
    } catch (const std::exception& e) {
      return error{errc::internal, std::string("unexpected failure: ") + e.what()};
    } catch (...) {
      return error{errc::internal, "unexpected failure"};
    }
  }

  void finish_upload() {
    disarm();
    asio::post(*core_.pool, [self = shared_from_this(), up = std::move(upload_)]() mutable {
      reply r = guarded([&] { return up->finish(); });
      up.reset(); // may unlink temporaries: better here than on an io thread
      auto& executor = self->lane_.ioc;
      asio::post(executor, [self = std::move(self), r = std::move(r)]() mutable {
        self->respond(std::move(r));
      });
    });
  }

  void run_blocking(filestore::deferred work) {
    disarm();
    asio::post(*core_.pool, [self = shared_from_this(), work = std::move(work)]() mutable {
      name_blocking_thread();
      reply r = guarded(work);
      auto& executor = self->lane_.ioc;
      asio::post(executor, [self = std::move(self), r = std::move(r)]() mutable {
        self->respond(std::move(r));
      });
    });
  }

  // The pool's threads are Asio's; each names itself at its first task (per-thread CPU figures).
  static void name_blocking_thread() {
    thread_local bool named = false;
    if (!named)
      ::pthread_setname_np(::pthread_self(), "fs-blocking");
    named = true;
  }

  // The exception boundary for work done off the io threads.
  template <class F> static reply guarded(F&& f) {
    try {
      return f();
    } catch (const std::exception& e) {
      return filestore::error_reply(500, "internal",
                                    std::string("unexpected failure: ") + e.what());
    } catch (...) {
      return filestore::error_reply(500, "internal", "unexpected failure");
    }
  }

  // -- response --
  void respond(reply r) {
    if (closed_)
      return;
    if (r.status >= 500)
      core_.log->error("{} {} -> {}: {}", method_, target_, r.status, r.body);
    else if (core_.log->should_log(spdlog::level::debug))
      core_.log->debug("{} {} -> {}", method_, target_, r.status);
    if (body_pending_ || core_.stopping.load(std::memory_order_relaxed))
      keep_alive_ = false;

    http::response<http::empty_body> res;
    res.version(version_ == 10 ? 10 : 11);
    res.result(r.status);
    res.set(http::field::server, "recodex-fileserver");
    res.set(http::field::date, beast::string_view(http_date().data(), http_date().size()));
    res.set(http::field::content_type, r.content_type);
    if (!r.allow.empty())
      res.set(http::field::allow, r.allow);
    if (r.challenge)
      res.set(http::field::www_authenticate, "Basic realm=\"recodex\"");
    std::uint64_t size = r.file ? r.file_size : r.body.size();
    res.content_length(size);
    res.keep_alive(keep_alive_);

    out_.clear();
    out_sent_ = 0;
    http::serializer<false, http::empty_body> sr{res};
    sr.split(true);
    beast::error_code ec;
    while (!sr.is_header_done()) {
      std::size_t n = 0;
      sr.next(ec, [&](beast::error_code&, const auto& buffers) {
        for (auto b : beast::buffers_range_ref(buffers))
          out_.append(static_cast<const char*>(b.data()), b.size());
        n = beast::buffer_bytes(buffers);
      });
      if (ec)
        return close();
      sr.consume(n);
    }
    file_offset_ = 0;
    file_end_ = 0;
    if (!head_only_) {
      if (r.file) {
        file_ = std::move(r.file);
        file_end_ = size;
      } else {
        out_.append(r.body);
      }
    }
    next_ = body_pending_ ? after_write::linger
                          : (keep_alive_ ? after_write::next_request : after_write::close);
    write_out();
  }

  // Sends out_ and then the file; resumes after EAGAIN when the socket is writable.
  void write_out() {
    const int fd = socket_.native_handle();
    while (out_sent_ < out_.size()) {
      int flags = MSG_NOSIGNAL | (file_offset_ < file_end_ ? MSG_MORE : 0);
      ssize_t n = ::send(fd, out_.data() + out_sent_, out_.size() - out_sent_, flags);
      if (n < 0) {
        if (errno == EINTR)
          continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
          return wait_writable();
        return close();
      }
      out_sent_ += static_cast<std::size_t>(n);
    }
    while (file_offset_ < file_end_) {
      off_t offset = static_cast<off_t>(file_offset_);
      std::size_t count =
          static_cast<std::size_t>(std::min<std::uint64_t>(file_end_ - file_offset_, 1u << 30));
      ssize_t n = ::sendfile(fd, file_.get(), &offset, count);
      if (n < 0) {
        if (errno == EINTR)
          continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
          return wait_writable();
        core_.log->warn("sendfile failed after {} of {} bytes: {}", file_offset_, file_end_,
                        std::strerror(errno));
        return close();
      }
      if (n == 0) { // the file shrank under us: the promised length cannot be kept
        core_.log->error("a served file ended at {} of {} bytes", file_offset_, file_end_);
        return close();
      }
      file_offset_ = static_cast<std::uint64_t>(offset);
    }
    on_written();
  }

  void wait_writable() {
    arm(core_.config.idle_timeout);
    socket_.async_wait(tcp::socket::wait_write, [self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_)
        return self->close();
      self->write_out();
    });
  }

  void on_written() {
    file_.reset();
    switch (next_) {
    case after_write::read_body:
      return read_body();
    case after_write::next_request:
      return read_header();
    case after_write::linger:
      return linger();
    case after_write::close:
      return shutdown_and_close();
    }
  }

  // -- ending a connection --
  void linger() {
    busy_ = false;
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    if (!body_buffer_)
      body_buffer_ = std::make_unique<char[]>(body_chunk_size);
    linger_until_ = clock_type::now() + linger_total;
    drain();
  }

  void drain() {
    if (clock_type::now() > linger_until_)
      return close();
    arm(linger_timeout);
    socket_.async_read_some(asio::buffer(body_buffer_.get(), body_chunk_size),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec || self->closed_)
                                return self->close();
                              self->drain();
                            });
  }

  void shutdown_and_close() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    close();
  }

  void close() {
    if (closed_)
      return;
    closed_ = true;
    beast::error_code ec;
    socket_.close(ec);
    timer_.cancel();
    upload_.reset();
    file_.reset();
  }

  server_core& core_;
  lane& lane_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  clock_type::time_point deadline_ = clock_type::time_point::max();
  clock_type::time_point linger_until_;
  bool timer_armed_ = false;
  bool closed_ = false;
  bool busy_ = false;

  // request
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::buffer_body>> parser_;
  std::unique_ptr<char[]> body_buffer_; // allocated on the first upload
  std::unique_ptr<filestore::upload> upload_;
  std::uint64_t body_bytes_ = 0;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_only_ = false;
  bool body_pending_ = false;   // the request body has not been read to its end
  std::string method_, target_; // for debug logs only

  // response
  std::string out_; // serialized header (and small body), reused across requests
  std::size_t out_sent_ = 0;
  filestore::unique_fd file_;
  std::uint64_t file_offset_ = 0;
  std::uint64_t file_end_ = 0;
  after_write next_ = after_write::next_request;
};

} // namespace

// -- the server --

struct http_file_server::impl {
  server_core core;
  std::vector<std::unique_ptr<lane>> lanes; // after core: sessions refer to it
  // After the lanes, so they go before lane 0's io_context.
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::steady_timer> clean_timer;
  std::unique_ptr<asio::steady_timer> accept_retry;
  std::size_t next_lane = 0;
  std::uint16_t port = 0;
  std::string url;
  std::atomic<bool> stopped{false};

  void accept() {
    lane& target = *lanes[next_lane];
    next_lane = (next_lane + 1) % lanes.size();
    acceptor->async_accept(target.ioc, [this, &target](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || core.stopping.load())
        return;
      if (ec) {
        // Out of descriptors and similar: say so and retry shortly instead of spinning.
        core.log->warn("accept failed: {}", ec.message());
        accept_retry->expires_after(std::chrono::milliseconds(100));
        accept_retry->async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec && !core.stopping.load())
            accept();
        });
        return;
      }
      auto s = std::make_shared<session>(core, target, std::move(socket));
      asio::dispatch(target.ioc, [s] { s->start(); });
      accept();
    });
  }

  void schedule_cleaning(std::chrono::steady_clock::duration delay) {
    clean_timer->expires_after(delay);
    clean_timer->async_wait([this](beast::error_code ec) {
      if (ec || core.stopping.load())
        return;
      asio::post(*core.pool, [this] {
        try {
          core.log->info("{}", core.handler->clean_temporaries());
        } catch (const std::exception& e) {
          core.log->error("temp cleaning failed: {}", e.what());
        }
      });
      schedule_cleaning(core.config.temp_clean_interval);
    });
  }

  void run_lane(lane& l) {
    for (;;) {
      try {
        l.ioc.run();
        return;
      } catch (const std::exception& e) {
        // The last exception boundary: one connection broke, the lane keeps serving.
        core.log->error("unexpected exception on an io thread: {}", e.what());
      }
    }
  }
};

http_file_server::http_file_server(std::unique_ptr<impl> impl) : impl_(std::move(impl)) {}

http_file_server::~http_file_server() {
  stop();
}

std::uint16_t http_file_server::port() const {
  return impl_->port;
}

std::string http_file_server::url() const {
  return impl_->url;
}

result<std::unique_ptr<http_file_server>> http_file_server::start(const filestore_config& config) {
  return start(config, nullptr);
}

result<std::unique_ptr<http_file_server>>
http_file_server::start(const filestore_config& config,
                        std::shared_ptr<storage::data_store> store) {
  // sendfile(2) raises SIGPIPE on a connection the peer has closed; we want EPIPE instead.
  struct sigaction current {};
  if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL)
    ::signal(SIGPIPE, SIG_IGN);

  auto state = std::make_unique<impl>();
  server_core& core = state->core;
  core.config = config;
  core.log = filestore_logger();
  unsigned io_threads = config.io_threads ? config.io_threads : std::thread::hardware_concurrency();
  io_threads = std::max(1u, io_threads);
  unsigned blocking =
      config.blocking_threads ? config.blocking_threads : std::max(4u, 2 * io_threads);
  core.config.io_threads = io_threads;
  core.config.blocking_threads = blocking;

  auto opened = store ? filestore::request_handler::open(core.config, core.stats, std::move(store))
                      : filestore::request_handler::open(core.config, core.stats);
  RECODEX_TRY(handler, std::move(opened));
  core.handler = std::move(handler);
  core.pool = std::make_unique<asio::thread_pool>(blocking);

  for (unsigned i = 0; i < io_threads; ++i)
    state->lanes.push_back(std::make_unique<lane>());
  lane& first = *state->lanes.front();

  beast::error_code ec;
  auto address = asio::ip::make_address(config.listen_address, ec);
  if (ec)
    return error{errc::invalid_argument,
                 "listen address '" + config.listen_address + "' is not an IP address"};
  tcp::endpoint endpoint{address, config.port};
  auto acceptor = std::make_unique<tcp::acceptor>(first.ioc);
  auto fail = [&](std::string_view step) {
    return error{errc::unavailable, "cannot " + std::string(step) + " " + config.listen_address +
                                        ":" + std::to_string(config.port) + ": " + ec.message()};
  };
  acceptor->open(endpoint.protocol(), ec);
  if (ec)
    return fail("open a socket for");
  acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  acceptor->bind(endpoint, ec);
  if (ec)
    return fail("bind");
  acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return fail("listen on");
  state->port = acceptor->local_endpoint().port();
  std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  state->url = "http://" + host + ":" + std::to_string(state->port);
  state->acceptor = std::move(acceptor);
  state->clean_timer = std::make_unique<asio::steady_timer>(first.ioc);
  state->accept_retry = std::make_unique<asio::steady_timer>(first.ioc);

  impl* raw = state.get();
  asio::post(first.ioc, [raw] {
    raw->accept();
    raw->schedule_cleaning(std::chrono::seconds(0));
  });
  for (auto& l : state->lanes) {
    lane* lp = l.get();
    l->thread = std::thread([raw, lp] {
      ::pthread_setname_np(::pthread_self(), "fs-io"); // per-thread CPU figures
      raw->run_lane(*lp);
    });
  }
  core.log->info("listening on {} with {} io threads and {} blocking threads, data in {}",
                 state->url, io_threads, blocking, core.config.data_dir.string());
  return std::unique_ptr<http_file_server>(new http_file_server(std::move(state)));
}

void http_file_server::stop() {
  if (!impl_ || impl_->stopped.exchange(true))
    return;
  server_core& core = impl_->core;
  core.stopping.store(true);
  lane& first = *impl_->lanes.front();
  asio::post(first.ioc, [this] {
    beast::error_code ec;
    impl_->acceptor->close(ec);
    impl_->clean_timer->cancel();
    impl_->accept_retry->cancel();
  });
  for (auto& l : impl_->lanes) {
    lane* lp = l.get();
    asio::post(l->ioc, [lp] {
      std::vector<std::shared_ptr<session>> live;
      {
        std::lock_guard<std::mutex> lock(lp->sessions_mutex);
        for (session* s : lp->sessions)
          if (auto p = s->weak_from_this().lock())
            live.push_back(std::move(p));
      }
      for (auto& s : live)
        s->on_server_stop();
    });
  }
  {
    std::unique_lock<std::mutex> lock(core.drained_mutex);
    bool drained = core.drained.wait_for(lock, core.config.stop_timeout,
                                         [&] { return core.stats.connections_open.load() == 0; });
    if (!drained)
      core.log->warn("stopping with {} connections still busy after {} s",
                     core.stats.connections_open.load(), core.config.stop_timeout.count());
  }
  for (auto& l : impl_->lanes) {
    l->work.reset();
    l->ioc.stop();
  }
  for (auto& l : impl_->lanes)
    if (l->thread.joinable())
      l->thread.join();
  core.pool->join();
  core.log->info("stopped; served {} requests on {} connections", core.stats.requests.load(),
                 core.stats.connections_total.load());
}

} // namespace recodex
