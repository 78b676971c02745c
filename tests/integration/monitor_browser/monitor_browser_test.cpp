// The progress page as a browser shows it: chromium opens /jobs/<id>?tasks=3 on an in-process
// monitor, the test feeds progress before and after the page subscribed, and reads the
// rendered DOM through the DevTools protocol (Runtime.evaluate) until the final state shows.
// Prints "SKIPPED: chromium not installed" when /usr/bin/chromium is missing.
#include "actors/monitor/monitor_actor.hpp"
#include "messages/actor_system_setup.hpp"
#include "tests/conformance/monitor/ws_client.hpp"
#include "tests/harness/http_client.hpp"
#include "tests/harness/temp_directory.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace recodex;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

const char* chromium = "/usr/bin/chromium";

caf::actor_system_config& configured(caf::actor_system_config& cfg) {
  configure_actor_system(cfg);
  return cfg;
}

// Headless chromium with a fresh profile and its DevTools endpoint on a free port.
class browser {
public:
  browser(const std::filesystem::path& profile, const std::string& url) {
    std::vector<std::string> args{chromium, "--headless", "--no-sandbox", "--disable-gpu",
                                  "--disable-background-networking", "--disable-component-update",
                                  "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
                                  "--user-data-dir=" + profile.string(),
                                  "--remote-debugging-port=0", "--window-size=420,900", url};
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      ::dup2(null, 2);
      ::execv(chromium, argv.data());
      ::_exit(127);
    }
    // Chromium writes its DevTools port to the profile once it listens; nothing else tells us.
    auto port_file = profile / "DevToolsActivePort";
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (port_ == 0) {
      std::ifstream in(port_file);
      if (in >> port_)
        break;
      port_ = 0;
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("chromium did not open its DevTools port");
      std::this_thread::sleep_for(20ms);
    }
    recodex::testing::http_connection http{"127.0.0.1", port_};
    for (;;) {
      auto list = json::parse(http.request("GET", "/json/list").body);
      for (auto& target : list)
        if (target.value("type", "") == "page" && target.value("url", "").find("/jobs/") != std::string::npos) {
          auto ws = target.value("webSocketDebuggerUrl", "");
          page_ = std::make_unique<recodex::testing::ws_client>(port_, ws.substr(ws.find("/devtools")));
          return;
        }
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("chromium shows no page");
      std::this_thread::sleep_for(20ms);
    }
  }

  ~browser() {
    page_.reset();
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }

  json call(const std::string& method, json params) {
    auto id = ++last_id_;
    page_->send(json{{"id", id}, {"method", method}, {"params", std::move(params)}}.dump());
    for (;;) {
      auto text = page_->read(30s);
      if (!text)
        throw std::runtime_error("DevTools connection closed");
      auto reply = json::parse(*text);
      if (reply.value("id", 0) == id)
        return reply;
    }
  }

  json evaluate(const std::string& expression) {
    auto reply = call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}});
    return reply["result"]["result"].value("value", json{});
  }

  // Evaluates `expression` until it is true: the page renders asynchronously, and polling the
  // DOM is how a test waits on it (bounded).
  bool wait_for(const std::string& expression, std::chrono::seconds timeout = 20s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (evaluate(expression) == json(true))
        return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  std::string screenshot_png() {
    auto reply = call("Page.captureScreenshot", {{"format", "png"}});
    return reply["result"].value("data", "");
  }

private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::unique_ptr<recodex::testing::ws_client> page_;
  int last_id_ = 0;
};

std::string base64_decode(const std::string& in) {
  std::string out;
  int value = 0;
  int bits = -8;
  for (unsigned char c : in) {
    int d;
    if (c >= 'A' && c <= 'Z') d = c - 'A';
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
    else if (c >= '0' && c <= '9') d = c - '0' + 52;
    else if (c == '+') d = 62;
    else if (c == '/') d = 63;
    else continue;
    value = (value << 6) + d;
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((value >> bits) & 0xff));
      bits -= 8;
    }
  }
  return out;
}

} // namespace

TEST_CASE("the progress page shows the tasks, the bar and the final state as progress arrives",
          "[monitor][browser]") {
  if (::access(chromium, X_OK) != 0) {
    std::cout << "SKIPPED: chromium not installed (" << chromium << ")" << std::endl;
    return;
  }
  caf::actor_system_config cfg;
  caf::actor_system sys{configured(cfg)};
  monitor::monitor_config config;
  config.websocket_port = 0;
  config.zeromq_host.clear(); // progress comes over CAF here
  auto monitor = monitor::spawn_monitor(sys, config).value();
  auto feed = [&](progress p) { caf::anon_send(monitor.actor, std::move(p)); };

  // Before the page exists: replayed when it subscribes.
  feed({"job-7", "DOWNLOADED", "", ""});
  feed({"job-7", "STARTED", "", ""});
  feed({"job-7", "TASK", "compile", "COMPLETED"});

  recodex::testing::temp_directory profile;
  {
    browser page{profile.path(), "http://127.0.0.1:" + std::to_string(monitor.websocket_port)
                                     + "/jobs/job-7?tasks=3"};
    REQUIRE(page.wait_for("document.querySelectorAll('#tasks li').length === 1"));
    CHECK(page.evaluate("document.getElementById('counts').textContent") == "1 of 3 tasks done");

    // While the page is open.
    feed({"job-7", "TASK", "run", "FAILED"});
    feed({"job-7", "TASK", "judge", "SKIPPED"});
    feed({"job-7", "ENDED", "", ""});
    feed({"job-7", "UPLOADED", "", ""});
    feed({"job-7", "FINISHED", "", ""});
    REQUIRE(page.wait_for("document.body.getAttribute('data-final') !== null"));

    auto tasks = page.evaluate(
        "Array.from(document.querySelectorAll('#tasks li')).map(li => li.getAttribute('data-task') + "
        "'=' + li.getAttribute('data-state'))");
    CHECK(tasks == json({"compile=COMPLETED", "run=FAILED", "judge=SKIPPED"}));
    CHECK(page.evaluate("document.body.getAttribute('data-final')") == "FINISHED");
    CHECK(page.evaluate("document.getElementById('final').textContent") == "Finished");
    CHECK(page.evaluate("document.getElementById('status').textContent") == "Finished");
    CHECK(page.evaluate("document.getElementById('counts').textContent") == "3 of 3 tasks done");
    CHECK(page.evaluate("document.getElementById('bar').getAttribute('aria-valuenow')") == "100");
    CHECK(page.evaluate("document.getElementById('job-id').textContent") == "job-7");
    auto events = page.evaluate(
        "Array.from(document.querySelectorAll('#events li')).map(li => li.getAttribute('data-event'))");
    CHECK(events == json({"DOWNLOADED", "STARTED", "ENDED", "UPLOADED", "FINISHED"}));

    // The bar's width animates; the screenshot waits for it to settle.
    CHECK(page.wait_for("document.getElementById('bar-fill').getBoundingClientRect().width >= "
                        "document.getElementById('bar').getBoundingClientRect().width - 1"));
    auto png = base64_decode(page.screenshot_png());
    CHECK(png.size() > 1000);
    auto artifacts = std::filesystem::path(RECODEX_BIN_DIR).parent_path() / "artifacts";
    std::filesystem::create_directories(artifacts);
    std::ofstream(artifacts / "monitor_page.png", std::ios::binary) << png;
    std::cout << "screenshot: " << (artifacts / "monitor_page.png").string() << std::endl;
  }
  caf::anon_send_exit(monitor.actor, caf::exit_reason::user_shutdown);
}
