"""The stages of an analysis, declared once in `STAGES`, and the job they work on.

Stages hand their results to the next through S3 under the analysis's `work/` prefix,
so each stage can also run alone as a Step Functions task; the engine's whole result
stays in `work/result.json` after the job (ITN plans read it).
"""
import json
from dataclasses import dataclass
from typing import Callable

from chalicelib.conversations.progress import analysis_progress
from chalicelib.progress.messages import progress_message
from chalicelib.storage.base import StaleTransition, now_iso
from chalicelib.storage.datasets import READY
from chalicelib.storage.leases import LeaseLost
from chalicelib.storage.objects import content_type, object_key

REQUEST_FIELDS = ('method', 'variables', 'directions', 'preset', 'state')
JSON = content_type('.json')


class JobRefused(Exception):
    """The job cannot run for a reason the user can fix; retrying will not help."""


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable            # run(job): reads its inputs from the job, writes its outputs
    progress: int            # percent complete once this stage is done
    message: str             # what a person sees while it runs


class Job:
    """One analysis while a worker holds its lease: its request, its files, its progress."""

    def __init__(self, item, owner, deps):
        self.item = item
        self.owner = owner
        self.deps = deps
        self.user_id = item['user_id']
        self.analysis_id = item['analysis_id']
        self.stage = None           # the stage running now, for the failure message

    @property
    def where(self):
        return {'user_id': self.user_id, 'analysis_id': self.analysis_id}

    @property
    def request(self):
        request = self.item.get('request') or {}
        return {key: request[key] for key in REQUEST_FIELDS if request.get(key) is not None}

    @property
    def dataset_id(self):
        return self.item.get('dataset_id') or (self.item.get('request') or {}).get('dataset_id')

    def _work_key(self, *parts):
        return object_key(self.user_id, 'analyses', self.analysis_id, 'work', *parts)

    def read_work(self, *parts):
        return self.deps.objects.get_object(self.user_id, self._work_key(*parts))

    def read_canonical(self, names):
        """The analysis's snapshot of its dataset's files, `{name: bytes}`, read together."""
        return self.deps.objects.get_objects(self.user_id, {name: self._work_key('canonical', name) for name in names})

    def write_work(self, files):
        """Store `{parts: bytes}` under the analysis's `work/` prefix, together."""
        self.deps.objects.put_files(self.user_id, 'analyses', self.analysis_id, {
            ('work',) + parts: (body, content_type(parts[-1])) for parts, body in files.items()})

    def result(self):
        """The engine's result (AnalysisResult.to_dict()) that the score stage stored."""
        return json.loads(self.read_work('result.json'))

    def publish(self, artifacts):
        """Store `{name: (bytes, content type)}` as artifacts, together, and list them on the analysis
        (one write)."""
        names = sorted(artifacts)
        keys = self.deps.objects.put_files(self.user_id, 'analyses', self.analysis_id,
                                           {(name,): artifacts[name] for name in names})
        stored = {name: (keys[(name,)], artifacts[name][1], len(artifacts[name][0])) for name in names}
        try:
            self.item = self.deps.analyses.add_artifacts(self.user_id, self.analysis_id, stored)
        except StaleTransition as error:
            raise LeaseLost(f'analysis {self.analysis_id} is no longer RUNNING') from error

    def advance(self, **fields):
        """Write `fields` while this worker holds the lease; LeaseLost otherwise."""
        item = self.deps.analyses.job.hold(self.user_id, self.analysis_id, self.owner, **fields)
        if item is None:
            raise LeaseLost(f'analysis {self.analysis_id} is no longer held by this worker')
        self.item = item

    def tell(self, stage, progress, message):
        self.deps.sender.send(self.user_id, self.analysis_id,
                              progress_message(self.analysis_id, stage, progress, message))
        analysis_progress(self.deps, self.item, stage, progress, message)


def _json(value):
    return json.dumps(value, allow_nan=False, separators=(',', ':')).encode()


def prepare(job):
    """Snapshot the dataset's canonical files into the analysis and check they load,
    so a dataset deleted or replaced later cannot change a running analysis. An analysis
    that chose TPR options gets that ward TPR joined into its own copy."""
    from chalicelib.analysis import PreparedDataset
    from chalicelib.datasets.tpr import JOINED_FILES, analysis_canonical
    dataset = job.deps.datasets.get(job.user_id, job.dataset_id) if job.dataset_id else None
    if not dataset or dataset.get('status') != READY or not dataset.get('canonical'):
        raise JobRefused('The dataset of this analysis is no longer ready: it was deleted or '
                         'replaced. Upload the ward data again and start a new analysis.')
    tpr = (job.item.get('request') or {}).get('tpr')
    if tpr == (dataset.get('tpr') or {}).get('options'):
        tpr = None   # the dataset's canonical files already carry the ward TPR of these options
    files = job.deps.objects.get_objects(job.user_id, {
        name: key for name, key in sorted(dataset['canonical'].items())
        if not (tpr and name in JOINED_FILES)})   # recomputed below from the dataset's base
    if tpr:
        files.update(analysis_canonical(job.user_id, dataset, tpr, job.deps.objects))
    PreparedDataset.from_canonical(files)
    job.write_work({**{('canonical', name): body for name, body in files.items()},
                    ('inputs.json',): _json({'dataset_id': job.dataset_id, 'files': sorted(files),
                                             'dataset_name': dataset.get('name')})})


def score(job):
    """Rank the wards with the engine; the whole result goes to `work/result.json`."""
    from chalicelib.analysis import PreparedDataset, run_analysis
    inputs = json.loads(job.read_work('inputs.json'))
    result = run_analysis(PreparedDataset.from_canonical(job.read_canonical(inputs['files'])), job.request)
    job.write_work({('result.json',): _json(result.to_dict())})


def publish(job):
    """The rankings (JSON for the API, CSV for spreadsheets), models, diagnostics,
    match and imputation reports."""
    from chalicelib.analysis.exports import rankings_csv
    result = job.result()
    diagnostics = {key: result.get(key) for key in
                   ('pca', 'comparison', 'variables', 'warnings', 'urban_thresholds')}
    job.publish({
        'rankings.json': (_json(result['rankings']), JSON),
        'rankings.csv': (rankings_csv(result['rankings']), content_type('.csv')),
        'models.json': (_json(result.get('models')), JSON),
        'diagnostics.json': (_json(diagnostics), JSON),
        'match_report.json': (_json(result.get('match_report')), JSON),
        'imputation.json': (_json(result.get('imputation')), JSON),
    })


def drawing_options(item):
    """What the analysis's request chose for its drawn files (maps, report, ITN coverage
    maps): `offline` embeds plotly.js in each interactive map (the report needs none)."""
    return {'embed_plotlyjs': bool((item.get('request') or {}).get('offline'))}


def draw(job):
    """The vulnerability, variable and urban maps and the rank-spread chart; the
    simplified boundaries stay in `work/display.json` for the report."""
    from chalicelib import viz
    result = job.result()
    display = viz.display_boundaries(result)
    job.write_work({('display.json',): _json(display)})
    job.publish(viz.draw(result, drawing_options(job.item), display))


def report(job):
    """report.html and the spreadsheet and GeoJSON exports, on the boundaries the
    draw stage simplified (publish already stored the rankings CSV)."""
    from chalicelib import reports
    inputs = json.loads(job.read_work('inputs.json'))
    meta = {'analysis_id': job.analysis_id, 'dataset_id': job.dataset_id,
            'dataset_name': inputs.get('dataset_name'), 'created_at': job.item.get('created_at'),
            'completed_at': now_iso()}
    job.publish(reports.build(job.result(), meta, drawing_options(job.item),
                              json.loads(job.read_work('display.json'))))


# THE list of stages: a new stage is one entry here (progress rises to 100).
STAGES = (
    Stage('prepare', prepare, 10, 'Loading the ward data'),
    Stage('score', score, 45, 'Scoring and ranking the wards'),
    Stage('publish', publish, 60, 'Saving the rankings'),
    Stage('draw', draw, 80, 'Drawing the maps'),
    Stage('report', report, 100, 'Writing the report'),
)
