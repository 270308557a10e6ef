"""The command line for analysts who work offline: `python -m cli rank|itn|tpr ...`.

A development tool beside bench/: the deployed app never imports it, so the engine
(chalicelib.analysis) stays pure. Each subcommand reads its files, calls the engine and
writes its outputs all or none; every refusal (a DataError, a usage mistake, an output it
cannot write) is exit status 2 with a one-line reason on stderr.
"""
import argparse
import sys

from chalicelib.analysis.errors import DataError
from cli import itn, rank, tpr


class OneLineParser(argparse.ArgumentParser):
    """A usage mistake is one line on stderr and exit status 2, like every other refusal."""

    def error(self, message):
        self.exit(2, f'error: {message} (see {self.prog} --help)\n')


def build_parser():
    parser = OneLineParser(prog='python -m cli', description='Malaria risk prioritisation of wards, offline.')
    subparsers = parser.add_subparsers(dest='command', required=True)
    for command in (rank, itn, tpr):
        command.add_parser(subparsers)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except DataError as error:
        print(f'error: {error.one_line()}', file=sys.stderr)
        return 2
    except OSError as error:   # an output path: a missing folder, no permission
        print(f'error: cannot write {error.filename or "the output"}: {error.strerror or error}',
              file=sys.stderr)
        return 2
