"""The command line: plan (a dry run), apply, verify and rollback.

Exit status: 0 done (verify: everything agrees), 1 a problem the message names,
2 apply left something validating or running (run it again to finish).
"""
import argparse
import json
import pathlib
import sys
from types import MappingProxyType

from migration import apply as applying, plan as planning
from migration.instance import InstanceError, read_instance
from migration.manifest import Manifest, default_path
from migration.mapping import MappingError, read_mapping
from migration.rollback import Rollback
from migration.target import ROOT, TargetError, connect, read_stack, stack_file, target_settings
from migration.verify import verify


def _parser():
    parser = argparse.ArgumentParser(prog='python -m migration', description=__doc__.split('\n')[0])
    commands = parser.add_subparsers(dest='command', required=True)
    source = argparse.ArgumentParser(add_help=False)
    source.add_argument('--instance', help='the ChatMRPT instance/ folder')
    source.add_argument('--mapping', help='CSV email,organization,role,region, one row per person')
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument('--stage', default='local', help='local (the running local stack, default) or a deployed stage')
    where.add_argument('--stack', help='the stage\'s outputs (default .local/stack.json, or infra/stacks/STAGE.json)')
    plan = commands.add_parser('plan', parents=[source, where], help='what apply would do, per user; changes nothing')
    plan.add_argument('--json', action='store_true', help='the counts and what is left behind, as JSON')
    run = commands.add_parser('apply', parents=[source, where],
                              help='migrate (again: continues, creates nothing twice)')
    run.add_argument('--manifest', help='where the run is recorded (default .local/migrations/STAGE-....json)')
    run.add_argument('--wait', type=float, default=900, help='seconds to wait for validation and analyses')
    run.add_argument('--no-invite', action='store_true',
                     help='create users without Cognito\'s invitation email (send it later with RESEND)')
    check = commands.add_parser('verify', parents=[source], help='compare the target with the manifest')
    check.add_argument('manifest')
    check.add_argument('--stack', help='the stage\'s outputs, when not where the run found them')
    undo = commands.add_parser('rollback', help='remove exactly what the run wrote')
    undo.add_argument('manifest')
    undo.add_argument('--stack', help='the stage\'s outputs, when not where the run found them')
    undo.add_argument('--yes', action='store_true', help='do not ask')
    return parser


def _needs(args, *names):
    missing = [f'--{n}' for n in names if not getattr(args, n)]
    if missing:
        raise MappingError(f'{" and ".join(missing)} missing: name the ChatMRPT instance/ folder and the mapping CSV')


def _plan(instance, mapping, settings):
    inventory = read_instance(instance)
    return inventory, planning.make_plan(inventory, read_mapping(mapping), settings)


def main(argv=None, target=None):
    """`target`: an already connected Target (tests); otherwise the stage's is connected."""
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args, target)
    except (InstanceError, MappingError, TargetError, ValueError) as error:
        print(f'migration: {error}', file=sys.stderr)
        return 1


def _run_plan(args, target):
    _needs(args, 'instance', 'mapping')
    path = stack_file(args.stage, args.stack)
    settings = target.settings if target else target_settings(
        args.stage, read_stack(args.stage, args.stack) if path.exists() else None)
    _, plan = _plan(args.instance, args.mapping, settings)
    print(json.dumps({'counts': plan.counts(), 'left': plan.left}, indent=1) if args.json else planning.render(plan))
    return 0


def _run_apply(args, target):
    _needs(args, 'instance', 'mapping')
    target = target or connect(args.stage, args.stack)
    instance = pathlib.Path(args.instance).resolve()
    inventory, plan = _plan(instance, args.mapping, target.settings)
    manifest = Manifest.open(args.manifest or default_path(ROOT, args.stage, instance), instance, args.stage,
                             pathlib.Path(args.mapping).resolve())
    run = applying.Run(plan, inventory, target, manifest, args.wait, invite=not args.no_invite)
    report = run.apply()
    print(applying.render(report, manifest))
    return 2 if report['pending'] else 0


def _run_verify(args, target):
    manifest = Manifest.load(args.manifest)
    target = target or connect(manifest.data['stage'], args.stack)
    inventory, plan = _plan(args.instance or manifest.data['instance'], args.mapping or manifest.data['mapping'],
                            target.settings)
    ok, lines = verify(manifest, target, plan, inventory)
    print('\n'.join(lines))
    return 0 if ok else 1


def _run_rollback(args, target):
    manifest = Manifest.load(args.manifest)
    if not args.yes:
        if not sys.stdin.isatty():
            raise ValueError('rollback removes what the run wrote: run it in a terminal, or add --yes')
        if input(f'Remove what run {manifest.data["run_id"]} wrote into {manifest.data["stage"]}? '
                 'Type the stage to go on: ').strip() != manifest.data['stage']:
            print('not rolled back')
            return 1
    target = target or connect(manifest.data['stage'], args.stack)
    print('\n'.join(Rollback(manifest, target).run()))
    return 0


COMMANDS = MappingProxyType({'plan': _run_plan, 'apply': _run_apply, 'verify': _run_verify, 'rollback': _run_rollback})
