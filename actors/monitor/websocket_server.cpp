// The browser front of the monitor (Beast). Theory of operation: one Asio thread owns the
// acceptor and every connection. A connection starts as HTTP; a GET is answered from the
// compiled-in page files, an upgrade request becomes a WebSocket session that registers under a
// fresh id and reads its first text message (the channel id, passed to on_subscribe). The
// actor answers with session_ops, posted onto this thread as one batch. Each session writes one
// message at a time from its queue; when the queued bytes would pass the bound the session
// drops its queue, tells the actor it is gone, and closes with a reason (a timer cuts the TCP
// connection if even the close frame cannot be written).
#include "actors/monitor/websocket_server.hpp"

#include "actors/monitor/web_assets.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <pthread.h>
#include <deque>
#include <optional>
#include <thread>
#include <unordered_map>

namespace recodex::monitor {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr const char* server_name = "recodex-monitor";
// How long a slow client's close frame may take before the connection is cut.
constexpr auto close_grace = std::chrono::seconds{5};

class ws_session;

} // namespace

struct websocket_server::impl {
  websocket_server_options options;
  websocket_server_callbacks callbacks;
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::uint16_t port = 0;
  std::unordered_map<std::uint64_t, std::shared_ptr<ws_session>> sessions;
  std::uint64_t next_id = 1;
  bool stopped = false;
  std::thread thread;

  ~impl();
  void accept();
  std::uint64_t add(std::shared_ptr<ws_session> session) {
    auto id = next_id++;
    sessions.emplace(id, std::move(session));
    return id;
  }
  // The session is gone (or going): the actor hears of it once.
  void remove(std::uint64_t id) {
    if (sessions.erase(id) && !stopped && callbacks.on_closed)
      callbacks.on_closed(id);
  }
  void perform(std::vector<session_op>& ops);
};

namespace {

class ws_session : public std::enable_shared_from_this<ws_session> {
public:
  ws_session(tcp::socket&& socket, websocket_server::impl& server)
    : ws_(std::move(socket)), server_(server), kill_timer_(server.ioc) {}

  void accept(http::request<http::string_body> request) {
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    // Pings at half the idle time find browsers that vanished without a close.
    timeouts.idle_timeout = std::chrono::seconds{60};
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, server_name); }));
    ws_.read_message_max(64 * 1024);
    ws_.async_accept(request, [self = shared_from_this()](beast::error_code ec) {
      if (ec)
        return;
      self->id_ = self->server_.add(self);
      self->read();
    });
  }

  void send(std::string text) {
    if (close_pending_)
      return;
    if (queued_bytes_ + text.size() > server_.options.max_queue_bytes) {
      overflow();
      return;
    }
    queued_bytes_ += text.size();
    queue_.push_back(std::move(text));
    if (!writing_)
      write_next();
  }

  // Close normally once everything queued is written (after FINISHED).
  void close_when_sent() {
    if (close_pending_)
      return;
    close_pending_ = true;
    reason_ = websocket::close_reason{websocket::close_code::normal};
    if (!writing_)
      close();
  }

  // Abrupt end (server stop).
  void cut() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

private:
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      finish();
      return;
    }
    // The first text message names the channel; later messages mean nothing in the protocol.
    if (!subscribed_ && ws_.got_text()) {
      subscribed_ = true;
      if (server_.callbacks.on_subscribe)
        server_.callbacks.on_subscribe(id_, beast::buffers_to_string(buffer_.data()));
    }
    buffer_.consume(buffer_.size());
    read();
  }

  void write_next() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(queue_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      self->on_write(ec);
                    });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    queued_bytes_ -= queue_.front().size();
    queue_.pop_front();
    if (ec) {
      finish();
      return;
    }
    if (!queue_.empty())
      write_next();
    else if (close_pending_)
      close();
  }

  void overflow() {
    // Keep only the message being written (its buffer is in use); the rest is never sent.
    while (queue_.size() > (writing_ ? 1u : 0u)) {
      queued_bytes_ -= queue_.back().size();
      queue_.pop_back();
    }
    close_pending_ = true;
    reason_ = websocket::close_reason{websocket::close_code::policy_error,
                                      "too slow: more than "
                                          + std::to_string(server_.options.max_queue_bytes)
                                          + " bytes queued"};
    server_.remove(id_); // the actor stops routing to it at once
    kill_timer_.expires_after(close_grace);
    kill_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec)
        self->cut();
    });
    if (!writing_)
      close();
  }

  void close() {
    if (closing_)
      return;
    closing_ = true;
    ws_.async_close(reason_, [self = shared_from_this()](beast::error_code ec) {
      // On success the pending read ends with `closed` and finishes the session.
      if (ec)
        self->cut();
    });
  }

  void finish() {
    kill_timer_.cancel();
    if (id_ != 0)
      server_.remove(id_);
  }

  websocket::stream<beast::tcp_stream> ws_;
  websocket_server::impl& server_;
  net::steady_timer kill_timer_;
  beast::flat_buffer buffer_;
  std::uint64_t id_ = 0;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool subscribed_ = false;
  bool close_pending_ = false;
  bool closing_ = false;
  websocket::close_reason reason_;
};

// A plain HTTP connection: page files, until it asks for a WebSocket upgrade.
class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(tcp::socket&& socket, websocket_server::impl& server)
    : stream_(std::move(socket)), server_(server) {}

  void read() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(64 * 1024); // requests we answer carry no body worth more
    stream_.expires_after(std::chrono::seconds{30});
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

private:
  void on_read(beast::error_code ec) {
    if (ec)
      return; // closed, timed out or malformed: the connection just ends
    auto request = parser_->release();
    if (websocket::is_upgrade(request)) {
      stream_.expires_never(); // the WebSocket stream keeps its own timeouts
      auto session = std::make_shared<ws_session>(stream_.release_socket(), server_);
      session->accept(std::move(request));
      return;
    }
    respond(request);
  }

  void respond(const http::request<http::string_body>& request) {
    auto response = std::make_shared<http::response<http::string_body>>();
    response->version(request.version());
    response->keep_alive(request.keep_alive());
    response->set(http::field::server, server_name);
    const web_asset* asset = nullptr;
    if (request.method() == http::verb::get || request.method() == http::verb::head)
      asset = find_web_asset(web_asset_for_target(
          std::string_view{request.target().data(), request.target().size()}));
    if (asset) {
      response->result(http::status::ok);
      response->set(http::field::content_type,
                    beast::string_view{asset->content_type.data(), asset->content_type.size()});
      response->set(http::field::cache_control, "no-cache");
      if (request.method() == http::verb::get)
        response->body().assign(asset->body.data(), asset->body.size());
      response->prepare_payload();
      if (request.method() == http::verb::head)
        response->content_length(asset->body.size());
    } else {
      bool get = request.method() == http::verb::get || request.method() == http::verb::head;
      response->result(get ? http::status::not_found : http::status::method_not_allowed);
      response->set(http::field::content_type, "text/plain; charset=utf-8");
      response->body() = get ? "not found\n" : "method not allowed\n";
      response->prepare_payload();
    }
    http::async_write(stream_, *response,
                      [self = shared_from_this(), response](beast::error_code ec, std::size_t) {
                        if (ec || response->need_eof()) {
                          beast::error_code ignored;
                          self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          return;
                        }
                        self->read();
                      });
  }

  beast::tcp_stream stream_;
  websocket_server::impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

result<net::ip::address> resolve_host(net::io_context& ioc, const std::string& host) {
  if (host.empty() || host == "*")
    return net::ip::address{net::ip::address_v4::any()};
  beast::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (!ec)
    return address;
  tcp::resolver resolver{ioc};
  auto found = resolver.resolve(host, "", ec);
  if (ec || found.empty())
    return make_error(errc::invalid_argument, "cannot resolve websocket host '" + host + "'");
  return found.begin()->endpoint().address();
}

} // namespace

websocket_server::impl::~impl() {
  // Sessions refer to this object; they go before the io_context that runs them.
  sessions.clear();
}

void websocket_server::impl::accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || stopped)
        return;
    } else {
      beast::error_code ignored;
      socket.set_option(tcp::no_delay{true}, ignored);
      std::make_shared<http_session>(std::move(socket), *this)->read();
    }
    accept();
  });
}

void websocket_server::impl::perform(std::vector<session_op>& ops) {
  for (auto& op : ops) {
    auto it = sessions.find(op.session);
    if (it == sessions.end())
      continue;
    if (op.close)
      it->second->close_when_sent();
    else
      it->second->send(std::move(op.text));
  }
}

websocket_server::websocket_server(std::shared_ptr<impl> impl) : impl_(std::move(impl)) {}

websocket_server::~websocket_server() { stop(); }

result<std::unique_ptr<websocket_server>> websocket_server::open(websocket_server_options options) {
  auto p = std::make_shared<impl>();
  p->options = std::move(options);
  auto address = resolve_host(p->ioc, p->options.host);
  if (!address)
    return address.error();
  tcp::endpoint endpoint{address.value(), p->options.port};
  beast::error_code ec;
  p->acceptor.open(endpoint.protocol(), ec);
  if (!ec)
    p->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec)
    p->acceptor.bind(endpoint, ec);
  if (!ec)
    p->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return make_error(errc::unavailable, "cannot listen on " + p->options.host + ":"
                                             + std::to_string(p->options.port) + ": "
                                             + ec.message());
  p->port = p->acceptor.local_endpoint().port();
  return std::unique_ptr<websocket_server>(new websocket_server(std::move(p)));
}

void websocket_server::run(websocket_server_callbacks callbacks) {
  impl_->callbacks = std::move(callbacks);
  impl_->accept();
  impl_->thread = std::thread([raw = impl_.get()] {
    ::pthread_setname_np(::pthread_self(), "monitor-ws"); // per-thread CPU figures
    raw->ioc.run();
  });
}

void websocket_server::perform(std::vector<session_op> ops) {
  net::post(impl_->ioc, [raw = impl_.get(), ops = std::move(ops)]() mutable { raw->perform(ops); });
}

std::uint16_t websocket_server::port() const { return impl_->port; }

void websocket_server::stop() {
  if (!impl_->thread.joinable())
    return;
  net::post(impl_->ioc, [raw = impl_.get()] {
    raw->stopped = true;
    beast::error_code ignored;
    raw->acceptor.close(ignored);
    for (auto& [id, session] : raw->sessions)
      session->cut();
    raw->ioc.stop();
  });
  impl_->thread.join();
}

} // namespace recodex::monitor
