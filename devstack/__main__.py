"""`python -m devstack` (what `make run` runs): the local cloud in the foreground.

Ports come from flags or DEVSTACK_*_PORT variables (0 picks a free port).
`python -m devstack --print-env` prints the shell exports that point
`chalice local --stage local` at a running stack.
"""
import argparse
import json
import os
import pathlib
import shlex
import signal
import sys
import time

from devstack.stack import DEFAULT_HOST, DEFAULT_REGION, ROOT, STATE_FILE, Ports, Stack, aws_environment
from devstack.web import WebBuildError

WAKE_SECONDS = 0.5


def _port(name, default):
    return int(os.environ.get(f'DEVSTACK_{name}_PORT', default))


def parse_args(argv):
    defaults = Ports()
    parser = argparse.ArgumentParser(prog='python -m devstack', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--host', default=DEFAULT_HOST)
    parser.add_argument('--api-port', type=int, default=_port('API', defaults.api))
    parser.add_argument('--ws-port', type=int, default=_port('WS', defaults.ws))
    parser.add_argument('--ws-management-port', type=int,
                        default=_port('WS_MANAGEMENT', defaults.ws_management))
    parser.add_argument('--aws-port', type=int, default=_port('AWS', defaults.aws))
    parser.add_argument('--web-port', type=int, default=_port('WEB', defaults.web),
                        help='where the web app is served (its URL is the API\'s CORS origin)')
    parser.add_argument('--no-web', action='store_true',
                        help='serve no web app (no npm build): the API, WebSocket and moto only')
    parser.add_argument('--region', default=DEFAULT_REGION)
    parser.add_argument('--state-dir', type=pathlib.Path, default=ROOT / '.local',
                        help='where stack.json is written (default .local)')
    parser.add_argument('--app', default='app:app', help='the Chalice app as module:attribute')
    parser.add_argument('--print-env', action='store_true',
                        help='print exports for `chalice local --stage local` from a running stack')
    return parser.parse_args(argv)


def print_env(state_dir):
    """Shell exports that point plain `chalice local` at a running stack's moto server."""
    try:
        state = json.loads((state_dir / STATE_FILE).read_text())
    except FileNotFoundError:
        print(f'No running stack: {state_dir / STATE_FILE} is missing. Start one with `make run`.',
              file=sys.stderr)
        return 1
    exports = {
        **aws_environment(state['aws_endpoint_url'], state['region']),
        'USER_POOL_ID': state['user_pool_id'],
        'USER_POOL_CLIENT_ID': state['user_pool_client_id'], 'USER_POOL_ARN': state['user_pool_arn'],
        'JWKS_URL': state['jwks_url'],
    }
    for name, value in exports.items():
        print(f'export {name}={shlex.quote(value)}')
    return 0


def announce(state, seconds):
    """The URLs and demo credentials, on the console only (never through the logger)."""
    demo = state['demo_user']
    web_line = (f"  Web app         {state['web_url']}   sign in as the demo user below\n"
                if 'web_url' in state else '')
    print(f"""
ChatMRPT local stack ready in {seconds:.1f} s (stage local)
{web_line}  REST API        {state['api_url']}          try: curl {state['api_url']}/health
  WebSocket       {state['ws_url']}/?token=<ID token>
  AWS (moto)      {state['aws_endpoint_url']}   region {state['region']}
  User pool       {state['user_pool_id']}   app client {state['user_pool_client_id']}
  Demo user       {demo['username']}   password {demo['password']}   (role {demo['role']})
  State file      {state['state_file']}
  Demo ID token:  aws --endpoint-url {state['aws_endpoint_url']} --region {state['region']} \\
                    cognito-idp initiate-auth --auth-flow USER_PASSWORD_AUTH \\
                    --client-id {state['user_pool_client_id']} \\
                    --auth-parameters USERNAME={demo['username']},PASSWORD='{demo['password']}' \\
                    --query AuthenticationResult.IdToken --output text
Ctrl-C stops everything.
""", flush=True)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.print_env:
        return print_env(args.state_dir)
    received = []     # appended by the handler: no lock a handler could deadlock on
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda signum, frame: received.append(signum))
    started = time.monotonic()
    ports = Ports(args.api_port, args.ws_port, args.ws_management_port, args.aws_port,
                  None if args.no_web else args.web_port)
    stack = Stack(args.app, args.host, ports, args.state_dir, region=args.region)
    try:
        state = stack.start()
    except WebBuildError as error:
        print(f'The web app could not be built: {error}', file=sys.stderr)
        return 1
    except OSError as error:
        print(f'The local stack could not start: {error}. If a port is taken, choose others with '
              '--api-port, --ws-port, --ws-management-port, --aws-port, --web-port (0 picks a free one).',
              file=sys.stderr)
        return 1
    try:
        announce(state, time.monotonic() - started)
        # A signal may land on any thread; Python runs its handler only when the
        # main thread runs bytecode, so the main thread must wake up now and then.
        while not received:
            time.sleep(WAKE_SECONDS)
    finally:
        stack.stop()
    print('ChatMRPT local stack stopped.', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
