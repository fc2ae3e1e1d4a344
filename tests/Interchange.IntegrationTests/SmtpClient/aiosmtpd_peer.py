"""A remote SMTP server for the SMTP client tests, built on aiosmtpd (Debian python3-aiosmtpd).

Writes each message it accepts as JSON into OUTDIR (envelope, parameters, the content exactly as
received after un-dot-stuffing, the client's port as its connection, TLS and AUTH facts), answers
chosen recipients with chosen replies, and prints "ready" once listening. Runs until killed.

  aiosmtpd_peer.py HOST PORT OUTDIR [--size N] [--tls CERT KEY] [--auth USER:PASS] [--utf8]
                   [--reject ADDRESS=REPLY]...
"""
import argparse, base64, json, os, ssl, sys, time, uuid
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

p = argparse.ArgumentParser()
p.add_argument("host"); p.add_argument("port", type=int); p.add_argument("outdir")
p.add_argument("--size", type=int, default=0)
p.add_argument("--tls", nargs=2)
p.add_argument("--auth")
p.add_argument("--utf8", action="store_true")
p.add_argument("--reject", action="append", default=[])
a = p.parse_args()
rejects = dict(r.split("=", 1) for r in a.reject)

class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in rejects:
            return rejects[address]
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.append(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        record = {
            "mail_from": envelope.mail_from, "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos, "rcpt_options": envelope.rcpt_options,
            "content": base64.b64encode(envelope.original_content).decode(),
            "connection": session.peer[1], "tls": session.ssl is not None,
            "auth": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
        }
        tmp = os.path.join(a.outdir, f".{uuid.uuid4().hex}")
        with open(tmp, "w") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(a.outdir, f"{time.time_ns()}.json"))
        return "250 2.0.0 queued"

def authenticator(server, session, envelope, mechanism, auth_data):
    user, password = a.auth.split(":", 1)
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

kwargs = dict(hostname=a.host, port=a.port, server_hostname="peer.test", enable_SMTPUTF8=a.utf8,
              data_size_limit=a.size or None, decode_data=False)
if a.tls:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(a.tls[0], a.tls[1])
    kwargs["tls_context"] = ctx
if a.auth:
    kwargs["authenticator"] = authenticator
    kwargs["auth_require_tls"] = bool(a.tls)
controller = Controller(Handler(), **kwargs)
controller.start()
print("ready", flush=True)
try:
    sys.stdin.read()  # until the test closes stdin or kills us
finally:
    controller.stop()
