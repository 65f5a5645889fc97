#!/usr/bin/python3
"""A test peer between sluiced and fakeaws, on 127.0.0.1 only.

    httppeer.py proxy UPSTREAM_PORT PORT_FILE LOG_FILE
        an HTTP forward proxy (absolute-form request targets), as
        HTTP_PROXY points a client to;
    httppeer.py tls UPSTREAM_PORT PORT_FILE LOG_FILE CERT KEY
        an HTTPS endpoint that terminates TLS with CERT and KEY.

Either forwards each request to fakeaws on 127.0.0.1:UPSTREAM_PORT and
appends one JSON line per request to LOG_FILE: the request target, the
User-Agent and the SigV4 credential scope of its Authorization header, so
that a test can check what sluiced sent.  Standard library only.
"""
import http.client
import http.server
import json
import os
import socketserver
import ssl
import sys
import threading

mode, upstream, port_file, log_file = sys.argv[1:5]
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        auth = self.headers.get("Authorization", "")
        scope = ""
        if "Credential=" in auth:
            scope = auth.split("Credential=", 1)[1].split(",", 1)[0]
        with lock, open(log_file, "a") as f:
            f.write(json.dumps({"target": self.path,
                                "user_agent": self.headers.get("User-Agent"),
                                "scope": scope}) + "\n")
        path = self.path
        if path.startswith("http://"):
            path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 \
                else "/"
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("proxy-connection", "connection")}
        conn = http.client.HTTPConnection("127.0.0.1", int(upstream),
                                          timeout=30)
        try:
            conn.request("POST", path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except OSError:
            self.send_error(502)
            return
        finally:
            conn.close()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("connection", "transfer-encoding",
                                 "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
if mode == "tls":
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[5], sys.argv[6])
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
elif mode != "proxy":
    sys.exit("usage: httppeer.py proxy|tls ...")
tmp = port_file + ".tmp"
with open(tmp, "w") as f:
    f.write("%d\n" % server.server_address[1])
os.rename(tmp, port_file)
server.serve_forever()
