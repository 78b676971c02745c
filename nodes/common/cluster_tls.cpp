#include "nodes/common/cluster_tls.hpp"

#include <caf/actor_system_config.hpp>
#ifdef RECODEX_HAVE_CAF_OPENSSL
#include <caf/openssl/manager.hpp>
#endif

#include <fstream>
#include <utility>

namespace recodex::nodes {

result<void> enable_cluster_tls(caf::actor_system_config& cfg, const cluster_tls& tls) {
  for (const auto& [name, path] : {std::pair{"certificate", tls.certificate}, std::pair{"key", tls.key},
                                   std::pair{"ca-file", tls.ca_file}}) {
    if (path.empty())
      return error{errc::invalid_argument,
                   std::string("cluster TLS needs certificate, key and ca-file; ") + name + " is missing"};
    if (!std::ifstream{path})
      return error{errc::not_found, std::string("cluster TLS ") + name + " " + path + " cannot be read"};
  }
#ifdef RECODEX_HAVE_CAF_OPENSSL
  cfg.load<caf::openssl::manager>();
  cfg.openssl_certificate = tls.certificate;
  cfg.openssl_key = tls.key;
  cfg.openssl_cafile = tls.ca_file;
  return ok();
#else
  (void) cfg;
  return error{errc::invalid_argument, "cluster TLS: this build has no libcaf-openssl"};
#endif
}

} // namespace recodex::nodes
