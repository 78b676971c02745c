// Starts and stops the embedded harness's actors in dependency order.
#include "tests/harness/embedded_system.hpp"

#include "actors/filestore/http_server.hpp"
#include "messages/actor_system_setup.hpp"
#include "storage/data_store.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <stdexcept>

namespace recodex::testing {

namespace {

struct harness_config : caf::actor_system_config {
  harness_config() {
    configure_actor_system(*this);
    // Two scheduler threads are plenty for tests and keep the shared machine calm.
    set("scheduler.max-threads", 2);
    set("logger.verbosity", caf::atom("quiet"));
  }
};

} // namespace

struct embedded_system::parts {
  harness_config config;
  caf::actor_system system{config};
  std::shared_ptr<storage::data_store> store;
  filestore_actor filestore;
  std::uint16_t filestore_port = 0;
  std::unique_ptr<http_file_server> fileserver;
};

embedded_system::embedded_system(embedded_options options)
    : data_dir_("recodex-harness"), parts_(std::make_unique<parts>()) {
  auto store = storage::data_store::open(data_dir_.path());
  if (!store)
    throw std::runtime_error("harness: cannot open data dir: " + to_string(store.error()));
  parts_->store = std::move(store).value();
  if (options.filestore || options.publish_filestore) {
    parts_->filestore = spawn_filestore(parts_->system, parts_->store);
    if (options.publish_filestore) {
      auto port = parts_->system.middleman().publish(parts_->filestore, 0, "127.0.0.1", true);
      if (!port)
        throw std::runtime_error("harness: cannot publish the file store: " +
                                 parts_->system.render(port.error()));
      parts_->filestore_port = *port;
    }
  }
  if (options.http_fileserver) {
    filestore_config config;
    config.port = 0;
    config.data_dir = data_dir_.path();
    config.io_threads = 2;
    if (options.http_username || options.http_password)
      config.auth = filestore_credentials{options.http_username.value_or(""),
                                          options.http_password.value_or("")};
    auto server = http_file_server::start(config, parts_->store);
    if (!server)
      throw std::runtime_error("harness: cannot start the file server: " +
                               to_string(server.error()));
    parts_->fileserver = std::move(server).value();
  }
}

embedded_system::~embedded_system() {
  if (parts_->fileserver)
    parts_->fileserver->stop();
  if (parts_->filestore) {
    if (parts_->filestore_port != 0)
      parts_->system.middleman().unpublish(parts_->filestore, parts_->filestore_port);
    caf::anon_send_exit(parts_->filestore, caf::exit_reason::user_shutdown);
  }
  parts_.reset(); // joins the actor system before the data directory goes away
}

caf::actor_system& embedded_system::system() { return parts_->system; }
storage::data_store& embedded_system::store() const { return *parts_->store; }
filestore_actor embedded_system::filestore() const { return parts_->filestore; }
std::uint16_t embedded_system::filestore_port() const { return parts_->filestore_port; }
std::string embedded_system::fileserver_url() const {
  return parts_->fileserver ? parts_->fileserver->url() : std::string{};
}

} // namespace recodex::testing
