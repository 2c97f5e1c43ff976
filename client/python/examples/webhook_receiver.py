"""A webhook receiver that verifies Cases-Signature: python3 webhook_receiver.py SECRET CERT KEY [PORT]"""
import hashlib, hmac, http.server, ssl, sys, time
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        sig = dict(p.split("=", 1) for p in self.headers["Cases-Signature"].split(","))
        mac = hmac.new(sys.argv[1].encode(), sig["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(mac, sig["v1"]) and abs(time.time() - int(sig["t"])) < 300
        print(self.headers["Cases-Activity"], "verified" if ok else "REJECTED", flush=True)
        self.send_response(200 if ok else 401); self.end_headers()
srv = http.server.ThreadingHTTPServer(("", int(sys.argv[4]) if len(sys.argv) > 4 else 8443), Hook)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(sys.argv[2], sys.argv[3])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True); srv.serve_forever()
