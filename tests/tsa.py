"""A local RFC 3161 time-stamping authority for the tests: a CA and a TSA certificate made by
`openssl` in the run, and an HTTP server answering time-stamp queries with `openssl ts -reply`.
Nothing is downloaded; the authority is as real as a public one, only local."""

from __future__ import annotations

import subprocess
import tempfile
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CONFIG = """
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/ca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5.6
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
[ tsa_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
"""


def _run(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)  # noqa: S603, S607


@dataclass
class LocalAuthority:
    url: str
    ca_file: str
    folder: Path
    server: ThreadingHTTPServer

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_authority(folder: Path, name: str = "Test TSA") -> LocalAuthority:
    """Make a CA and a time-stamping certificate under `folder` and serve queries on loopback."""
    folder.mkdir(parents=True, exist_ok=True)
    _run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
         "-keyout", "ca.key", "-out", "ca.pem", "-subj", f"/CN={name} root", cwd=folder)  # fmt: skip
    (folder / "tsa.cnf").write_text(CONFIG.format(dir=folder))
    _run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "tsa.key",
         "-out", "tsa.csr", "-subj", f"/CN={name}", cwd=folder)  # fmt: skip
    _run("x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
         "-extfile", "tsa.cnf", "-extensions", "tsa_ext", "-out", "tsa.pem", cwd=folder)  # fmt: skip
    (folder / "serial").write_text("01\n")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server name
            query = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock, tempfile.TemporaryDirectory() as work:
                (Path(work) / "q.tsq").write_bytes(query)
                done = subprocess.run(  # noqa: S603
                    ["openssl", "ts", "-reply", "-config", str(folder / "tsa.cnf"), "-queryfile", "q.tsq",  # noqa: S607
                     "-out", "r.tsr"], cwd=work, capture_output=True, check=False,
                )  # fmt: skip
                answer = (Path(work) / "r.tsr").read_bytes() if done.returncode == 0 else b""
            self.send_response(200 if answer else 400)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return LocalAuthority(f"http://127.0.0.1:{server.server_port}/", str(folder / "ca.pem"), folder, server)
