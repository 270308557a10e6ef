"""The local stack's AWS: moto server in a process of its own, as AWS is outside a function.

Sharing the functions' process, moto's state and its threads made every garbage collection
of the app walk moto's objects too (about 0.2 s each, several per analysis) and put moto's
work behind the same interpreter lock as the app's. `python -m devstack.aws` serves moto with
Cognito's RevokeToken added, prints `{"endpoint_url": ...}` once it listens, and exits when
its standard input closes: the stack that started it stopped or died, so it never outlives it.
"""
import argparse
import json
import logging
import signal
import subprocess
import sys

READY_SECONDS = 30
STOP_SECONDS = 10


def serve(host, port):
    """Serve moto until standard input closes (Ctrl-C reaches the stack, which then closes it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from moto.server import ThreadedMotoServer

    from devstack.cognito import add_revoke_token
    logging.getLogger('werkzeug').setLevel(logging.WARNING)   # moto's per-request access log
    add_revoke_token()   # moto lacks the call the web app signs out with
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    print(json.dumps({'endpoint_url': 'http://{}:{}'.format(*server.get_host_and_port())}), flush=True)
    try:
        sys.stdin.read()
    finally:
        server.stop()


class AwsProcess:
    """The moto child process: `start()` returns its endpoint URL, `stop()` ends it."""

    def __init__(self, host, port):
        self._command = [sys.executable, '-m', 'devstack.aws', '--host', host, '--port', str(port)]
        self._process = None

    def start(self):
        self._process = subprocess.Popen(self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self._process.stdout.readline()   # moto's first line, or nothing if it could not start
        if not line:
            code = self._process.wait(READY_SECONDS)
            raise OSError(f'the local AWS (moto server) exited with status {code} before it listened: '
                          'its error is printed above')
        return json.loads(line)['endpoint_url']

    def stop(self):
        if self._process is None:
            return
        self._process.stdin.close()
        try:
            self._process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m devstack.aws', description=__doc__.splitlines()[0])
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0)
    args = parser.parse_args(argv)
    serve(args.host, args.port)
    return 0


if __name__ == '__main__':
    sys.exit(main())
