// CAF's network layer as Baton uses it between the engine and its hosts:
// the middleman with OpenSSL, mutual TLS with Baton's CA, heartbeats and
// timeouts set (CAF 0.17's defaults have neither, so a silently cut link
// would never be noticed), one door published per host.
//
// A certificates directory (made by `baton host init-certs`) holds ca.pem
// (the CA that signed both sides), cert.pem and key.pem (this side's).
// Without all three nothing is configured: CAF would fall back to
// anonymous, interceptable encryption.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/remote/host_protocol.hpp"
#include "engine/result.hpp"

namespace baton::actors::remote {

struct net_options {
  /// Between heartbeats on every connection. Default: 1 s.
  std::chrono::milliseconds heartbeat{1000};
  /// A connection silent this long is closed (its peer counts as down).
  /// Default: 5 s.
  std::chrono::milliseconds timeout{5000};
};

/// Loads the middleman and OpenSSL into `cfg` and points them at the
/// certificates in `certs_dir`.
/// Errors: ec::not_found naming a missing file; ec::invalid_argument for
/// a file that is not a PEM certificate or key.
result<void> configure_net(caf::actor_system_config& cfg,
                           const std::string& certs_dir,
                           const net_options& opts = {});

/// "HOST:PORT" split. Errors: ec::invalid_argument.
result<std::pair<std::string, uint16_t>> split_address(const std::string& a);

/// Publishes `door` on `address` ("HOST:PORT"; port 0: any) over TLS;
/// returns the port.
result<uint16_t> publish_door(const host_door& door, const std::string& address);

/// Connects to the door at `address` (blocking, up to the system's
/// connection timeout). Errors name the address: unreachable, refused, a
/// TLS handshake that failed (a certificate from another CA, none, a plain
/// peer), or a peer that publishes something else.
result<host_door> connect_door(caf::actor_system& sys,
                               const std::string& address);

} // namespace baton::actors::remote
