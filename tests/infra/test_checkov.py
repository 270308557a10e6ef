"""checkov finds no failed check in infra/ or in the package; every skip is named with its reason."""
import json
import subprocess

import pytest

from tests.infra.hcl import INFRA, tool


def checkov(directory):
    proc = subprocess.run(
        [str(tool('checkov')), '--config-file', str(INFRA / 'checkov.yaml'), '-d', str(directory), '-o', 'json'],
        capture_output=True, text=True)
    assert proc.stdout.strip(), f'checkov printed nothing:\n{proc.stderr[-3000:]}'
    reports = json.loads(proc.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    # A directory without a file of a framework reports a bare summary.
    return [r for r in reports if 'results' in r], proc.returncode


def failures(reports):
    return [f'{c["check_id"]} {c["resource"]} ({c["file_path"]}): {c["check_name"]}'
            for report in reports for c in report['results']['failed_checks']]


def skips_without_reason(reports):
    return [f'{c["check_id"]} {c["resource"]}' for report in reports for c in report['results']['skipped_checks']
            if c['check_result'].get('suppress_comment') in (None, '', 'No comment provided')]


def test_infra_has_no_failed_check():
    reports, returncode = checkov(INFRA)
    assert reports and sum(r['summary']['passed'] for r in reports) > 100
    assert failures(reports) == []
    assert skips_without_reason(reports) == []
    assert returncode == 0


@pytest.mark.timeout(900)
def test_package_has_no_failed_check(package):
    out, _ = package
    reports, returncode = checkov(out)
    assert {r['check_type'] for r in reports} == {'terraform', 'terraform_json'}
    assert failures(reports) == []
    assert skips_without_reason(reports) == []
    assert returncode == 0


def test_package_step_refuses_a_failed_check(packager, tmp_path):
    """`make package` runs the same scan and stops before anything can be deployed."""
    tool('checkov')
    (tmp_path / 'queue.tf').write_text('resource "aws_sqs_queue" "plain" {\n  name = "unencrypted"\n}\n')
    with pytest.raises(packager.PackageError, match='checkov found failed checks'):
        packager.scan(tmp_path)
