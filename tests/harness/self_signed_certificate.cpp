// Key, certificate and PEM files with OpenSSL 3; every step checked.
#include "tests/harness/self_signed_certificate.hpp"

#include <cstdio>
#include <memory>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdexcept>
#include <string>

namespace recodex::testing {

namespace {

template <class T, void (*Free)(T*)> struct openssl_deleter {
  void operator()(T* p) const { Free(p); }
};
using key_ptr = std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY, EVP_PKEY_free>>;
using certificate_ptr = std::unique_ptr<X509, openssl_deleter<X509, X509_free>>;
using extension_ptr =
    std::unique_ptr<X509_EXTENSION, openssl_deleter<X509_EXTENSION, X509_EXTENSION_free>>;

void check(bool ok, const char* step) {
  if (!ok)
    throw std::runtime_error(std::string{"self-signed certificate: "} + step + " failed");
}

void add_extension(X509* certificate, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
  extension_ptr extension{X509V3_EXT_conf_nid(nullptr, &context, nid, value)};
  check(extension != nullptr, "X509V3_EXT_conf_nid");
  check(X509_add_ext(certificate, extension.get(), -1) == 1, "X509_add_ext");
}

certificate_ptr make_certificate(EVP_PKEY* key) {
  certificate_ptr certificate{X509_new()};
  check(certificate != nullptr, "X509_new");
  auto* x = certificate.get();
  check(X509_set_version(x, 2) == 1, "X509_set_version"); // v3, for the extensions
  check(ASN1_INTEGER_set(X509_get_serialNumber(x), 1) == 1, "ASN1_INTEGER_set");
  check(X509_gmtime_adj(X509_getm_notBefore(x), -3600) != nullptr, "X509_gmtime_adj");
  check(X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600) != nullptr, "X509_gmtime_adj");
  check(X509_set_pubkey(x, key) == 1, "X509_set_pubkey");
  auto* name = X509_get_subject_name(x);
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                   0) == 1,
        "X509_NAME_add_entry_by_txt");
  check(X509_set_issuer_name(x, name) == 1, "X509_set_issuer_name");
  add_extension(x, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  add_extension(x, NID_subject_key_identifier, "hash");
  check(X509_sign(x, key, EVP_sha256()) > 0, "X509_sign");
  return certificate;
}

template <class Write> void write_pem(const std::filesystem::path& file, Write write) {
  std::unique_ptr<FILE, int (*)(FILE*)> out{std::fopen(file.c_str(), "w"), &std::fclose};
  check(out != nullptr, "fopen of a PEM file");
  check(write(out.get()) == 1, "PEM_write");
}

} // namespace

self_signed_certificate::self_signed_certificate()
    : certificate_file_{directory_ / "certificate.pem"}, private_key_file_{directory_ / "key.pem"} {
  key_ptr key{EVP_EC_gen("P-256")};
  check(key != nullptr, "EVP_EC_gen");
  auto certificate = make_certificate(key.get());
  write_pem(certificate_file_, [&](FILE* f) { return PEM_write_X509(f, certificate.get()); });
  write_pem(private_key_file_, [&](FILE* f) {
    return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
}

} // namespace recodex::testing
