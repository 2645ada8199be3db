#!/usr/bin/env python3
"""Connects to a `baton host` as a client that is not Baton's engine and
says what happened: `accepted` (the host answered past the handshake) or
`refused: <why>`.

  tls_probe.py HOST PORT CA.pem --plain          plain TCP, no TLS
  tls_probe.py HOST PORT CA.pem                  TLS, no client certificate
  tls_probe.py HOST PORT CA.pem CERT.pem KEY.pem TLS with that certificate
"""
import socket
import ssl
import sys

host, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rest = sys.argv[4:]
try:
    raw = socket.create_connection((host, port), timeout=5)
    raw.settimeout(5)
    if rest == ["--plain"]:
        s = raw
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.load_verify_locations(ca)
        if len(rest) == 2:
            ctx.load_cert_chain(rest[0], rest[1])
        s = ctx.wrap_socket(raw)
    # Something that is not a BASP handshake: a refused peer gets nothing.
    s.sendall(b"\0" * 64)
    data = s.recv(100)
    print("accepted" if data else "refused: the host closed the connection")
except (OSError, ssl.SSLError) as e:
    print(f"refused: {type(e).__name__}: {e}")
