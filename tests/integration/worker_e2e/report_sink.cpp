#include "tests/integration/worker_e2e/report_sink.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <functional>
#include <mutex>
#include <thread>

namespace recodex::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// One request per connection, answered 200 with the core API's success body.
struct exchange : std::enable_shared_from_this<exchange> {
  exchange(tcp::socket s, std::function<void(status_report)> record)
    : socket(std::move(s)), on_report(std::move(record)) {}

  void start() {
    auto self = shared_from_this();
    http::async_read(socket, buffer, request, [self](beast::error_code ec, std::size_t) {
      if (ec)
        return;
      self->on_report({std::string(self->request.target()), self->request.body()});
      self->response.result(http::status::ok);
      self->response.set(http::field::content_type, "application/json");
      self->response.body() = R"({"success":true,"code":200,"payload":"OK"})";
      self->response.keep_alive(false);
      self->response.prepare_payload();
      http::async_write(self->socket, self->response, [self](beast::error_code, std::size_t) {
        beast::error_code ignored;
        self->socket.shutdown(tcp::socket::shutdown_both, ignored);
      });
    });
  }

  tcp::socket socket;
  std::function<void(status_report)> on_report;
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  http::response<http::string_body> response;
};

} // namespace

struct report_sink::impl {
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}};
  mutable std::mutex mutex;
  std::vector<status_report> reports;
  std::thread thread;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec)
        return;
      std::make_shared<exchange>(std::move(socket), [this](status_report r) {
        std::lock_guard<std::mutex> lock{mutex};
        reports.push_back(std::move(r));
      })->start();
      accept();
    });
  }
};

report_sink::report_sink() : impl_(std::make_unique<impl>()) {
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

report_sink::~report_sink() {
  impl_->ioc.stop();
  impl_->thread.join();
}

std::uint16_t report_sink::port() const { return impl_->acceptor.local_endpoint().port(); }

std::vector<status_report> report_sink::reports() const {
  std::lock_guard<std::mutex> lock{impl_->mutex};
  return impl_->reports;
}

std::vector<status_report> report_sink::reports_of(const std::string& job_id) const {
  std::vector<status_report> out;
  for (auto& r : reports())
    if (ends_with(r.target, "/job-status/" + job_id))
      out.push_back(std::move(r));
  return out;
}

} // namespace recodex::testing
