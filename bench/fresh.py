"""One dataset's runs in a fresh interpreter, for `make bench`: the service's, the floor's, or storing.

`python -m bench.fresh service|floor|store FOLDER REQUEST WARM` reads the files named by
FOLDER/files.json, runs once cold (the imports included, as a Lambda cold start pays them),
then WARM times in the same process, and prints JSON: the cold seconds, each warm run (seconds
by stage for the service, by part for the floor, in all for storing), the process's peak
resident memory in MiB and, for the service, what the analysis ranked. `store` is the upload
function's work: the files read and matched, the display boundaries simplified (once per
dataset) and the dataset's files made.
"""
import json
import pathlib
import sys
import time

from bench import peak_mib


class StageClock:
    """Records when each stage starts; durations are the gaps between starts."""

    def __init__(self):
        self.marks = []

    def __call__(self, name):
        self.marks.append((name, time.perf_counter()))

    def durations(self, end):
        ends = [t for _, t in self.marks[1:]] + [end]
        return {name: stop - start for (name, start), stop in zip(self.marks, ends)}


def service(files, request):
    """A run from the files to both rankings: (seconds by stage, the result)."""
    from chalicelib.analysis import prepare_dataset, run_analysis
    clock = StageClock()
    result = run_analysis(prepare_dataset(files, on_stage=clock), request, on_stage=clock)
    return clock.durations(time.perf_counter()), result


def store(files):
    """Seconds of the upload function's work on the files (prepared, then its stored files made)."""
    from chalicelib.analysis import prepare_dataset
    started = time.perf_counter()
    prepare_dataset(files).to_canonical()
    return time.perf_counter() - started


def main(argv):
    kind, folder, request, warm = argv[0], pathlib.Path(argv[1]), json.loads(argv[2]), int(argv[3])
    files = {role: (name, (folder / name).read_bytes())
             for role, name in json.loads((folder / 'files.json').read_text()).items()}
    started = time.perf_counter()
    out = {}
    if kind == 'service':
        _, result = service(files, request)
        cold = time.perf_counter() - started
        runs = [service(files, request)[0] for _ in range(warm)]
        out['ranked'] = {'wards': len(result.rankings), 'variables': len(result.variables),
                         'models': len(result.models), 'pca': bool(result.pca.get('ran'))}
    elif kind == 'store':
        store(files)
        cold = time.perf_counter() - started
        runs = [store(files) for _ in range(warm)]
    else:
        from bench.floor import floor
        floor(files)
        cold = time.perf_counter() - started
        runs = [floor(files) for _ in range(warm)]
    print(json.dumps(dict(out, cold=cold, warm=runs, peak=peak_mib())))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
