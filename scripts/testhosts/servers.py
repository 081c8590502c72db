#!/usr/bin/env python3
"""Tiny dual-stack (IPv4 + IPv6) servers for scripts/testhosts.sh.

Run inside a network namespace made by testhosts.sh; each listens on all
addresses of that namespace only (one AF_INET6 socket with IPV6_V6ONLY=0).

    servers.py http    PORT DIR   serve DIR over HTTP/1.1 (GET, HEAD)
    servers.py tcpecho PORT       echo every byte back until the client closes
    servers.py udpecho PORT       echo every datagram (up to 65507 bytes over
                                  IPv4, 65527 over IPv6) back to its sender

Logs go to stderr.  Stops on SIGTERM/SIGINT.
"""
import functools
import http.server
import signal
import socket
import socketserver
import sys


def _dual_stack_bind(server):
    server.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)


class DualStackHTTPServer(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True
    allow_reuse_address = True

    def server_bind(self):
        _dual_stack_bind(self)
        super().server_bind()


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("http %s %s\n" % (self.client_address[0], fmt % args))
        sys.stderr.flush()


class TCPEchoHandler(socketserver.BaseRequestHandler):
    def handle(self):
        sock = self.request
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass


class DualStackTCPServer(socketserver.ThreadingTCPServer):
    address_family = socket.AF_INET6
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def server_bind(self):
        _dual_stack_bind(self)
        super().server_bind()


def udp_echo(port):
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    for opt in (socket.SO_RCVBUF, socket.SO_SNDBUF):
        try:
            sock.setsockopt(socket.SOL_SOCKET, opt, 1 << 20)
        except OSError:
            pass
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    sock.bind(("::", port))
    while True:
        # Answer from the address the datagram was sent to (as real servers do on a host with
        # several addresses), so clients with connected sockets accept the reply.
        data, ancillary, _, peer = sock.recvmsg(65535, socket.CMSG_SPACE(20))
        reply_from = [(level, kind, info) for level, kind, info in ancillary
                      if level == socket.IPPROTO_IPV6 and kind == socket.IPV6_PKTINFO]
        try:
            sock.sendmsg([data], reply_from, 0, peer)
        except OSError as exc:
            sys.stderr.write("udpecho: reply of %d bytes to %s failed: %s\n"
                             % (len(data), peer[0], exc))
            sys.stderr.flush()


def main(argv):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    kind, port = argv[0], int(argv[1])
    if kind == "http" and len(argv) == 3:
        handler = functools.partial(Handler, directory=argv[2])
        with DualStackHTTPServer(("::", port), handler) as srv:
            srv.serve_forever()
    elif kind == "tcpecho":
        with DualStackTCPServer(("::", port), TCPEchoHandler) as srv:
            srv.serve_forever()
    elif kind == "udpecho":
        udp_echo(port)
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(0)
