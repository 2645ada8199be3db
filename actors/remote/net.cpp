#include "actors/remote/net.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/openssl/remote_actor.hpp>

namespace baton::actors::remote {

namespace fs = std::filesystem;

namespace {

/// Whether a TCP connection to host:port opens within `timeout`. CAF's
/// connect has no timeout of its own: against a silently cut link it would
/// wait out the kernel's SYN retries (minutes).
result<void> probe(const std::string& host, uint16_t port,
                   std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (auto rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(),
                              &hints, &found);
      rc != 0)
    return error{ec::not_found, "cannot resolve " + host + ": "
                                  + ::gai_strerror(rc)};
  std::string why = "no address";
  bool ok = false;
  for (auto* a = found; a != nullptr && !ok; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                      a->ai_protocol);
    if (fd < 0)
      continue;
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc == 0) {
      ok = true;
    } else if (errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(timeout.count())) == 1) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        ok = err == 0;
        why = ok ? "" : std::strerror(err);
      } else {
        why = "no answer within " + std::to_string(timeout.count()) + " ms";
      }
    } else {
      why = std::strerror(errno);
    }
    ::close(fd);
  }
  ::freeaddrinfo(found);
  if (!ok)
    return error{ec::io_error, why};
  return {};
}

/// The file's first line starts a PEM block of `kind` ("CERTIFICATE",
/// "PRIVATE KEY", ...).
result<std::string> pem_file(const std::string& dir, const char* name,
                             const char* kind) {
  auto path = (fs::path{dir} / name).string();
  std::ifstream in{path};
  if (!in)
    return error{ec::not_found, "cannot read " + path
                                  + " (make the certificates with `baton "
                                    "host init-certs`)"};
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  if (text.find("-----BEGIN ") == std::string::npos
      || text.find(kind) == std::string::npos)
    return error{ec::invalid_argument,
                 path + " is not a PEM " + std::string{kind}};
  return fs::absolute(path).string();
}

} // namespace

result<void> configure_net(caf::actor_system_config& cfg,
                           const std::string& certs_dir,
                           const net_options& opts) {
  auto ca = pem_file(certs_dir, "ca.pem", "CERTIFICATE");
  if (!ca)
    return ca.err();
  auto cert = pem_file(certs_dir, "cert.pem", "CERTIFICATE");
  if (!cert)
    return cert.err();
  auto key = pem_file(certs_dir, "key.pem", "PRIVATE KEY");
  if (!key)
    return key.err();
  cfg.load<caf::io::middleman>();
  cfg.load<caf::openssl::manager>();
  cfg.openssl_cafile = *ca;
  cfg.openssl_certificate = *cert;
  cfg.openssl_key = *key;
  cfg.set("middleman.heartbeat-interval",
          caf::timespan{std::chrono::duration_cast<std::chrono::nanoseconds>(
            opts.heartbeat)});
  cfg.set("middleman.connection-timeout",
          caf::timespan{std::chrono::duration_cast<std::chrono::nanoseconds>(
            opts.timeout)});
  return {};
}

result<std::pair<std::string, uint16_t>> split_address(const std::string& a) {
  auto colon = a.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == a.size())
    return error{ec::invalid_argument, "\"" + a + "\" is not HOST:PORT"};
  auto host = a.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned long port = 0;
  for (auto c : a.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535)
      return error{ec::invalid_argument, "\"" + a + "\" is not HOST:PORT"};
    port = port * 10 + static_cast<unsigned long>(c - '0');
  }
  if (port > 65535)
    return error{ec::invalid_argument, "\"" + a + "\": no such port"};
  return std::pair{host, static_cast<uint16_t>(port)};
}

result<uint16_t> publish_door(const host_door& door,
                              const std::string& address) {
  auto a = split_address(address);
  if (!a)
    return a.err();
  auto port = caf::openssl::publish(door, a->second, a->first.c_str(), true);
  if (!port)
    return error{ec::io_error, "cannot listen on " + address + ": "
                                 + door.home_system().render(port.error())};
  return *port;
}

result<host_door> connect_door(caf::actor_system& sys,
                               const std::string& address) {
  auto a = split_address(address);
  if (!a)
    return a.err();
  if (auto p = probe(a->first, a->second, std::chrono::seconds{3}); !p)
    return error{ec::io_error,
                 "cannot reach " + address + ": " + p.err().message()};
  auto door = caf::openssl::remote_actor<host_door>(sys, a->first, a->second);
  // CAF 0.17's first heartbeat tick may end a connection whose peer has not
  // written yet (its last-seen time starts at zero): that is not the peer's
  // doing, so such a timeout is tried again.
  for (int i = 0; i < 3 && !door && door.error() == caf::sec::connection_timeout;
       ++i)
    door = caf::openssl::remote_actor<host_door>(sys, a->first, a->second);
  if (!door) {
    auto why = sys.render(door.error());
    if (why.find("handshake") != std::string::npos)
      why = "the TLS handshake failed: the host's certificate is not from "
            "this engine's CA, or it refused this engine's (" + why + ")";
    else if (why.find("cannot_connect") != std::string::npos)
      why = "nobody answers there (" + why + ")";
    return error{ec::io_error, "cannot reach " + address + ": " + why};
  }
  return *door;
}

} // namespace baton::actors::remote
