"""The command line's files: inputs read whole, outputs written all or none."""
import errno
import os
import pathlib

from chalicelib.analysis.errors import DataError


def read_file(path):
    """(filename, bytes) as the engine's readers take them; an unreadable path is the user's mistake."""
    try:
        return pathlib.Path(path).name, pathlib.Path(path).read_bytes()
    except OSError as exc:
        raise DataError('unreadable_file', f'cannot read {path}: {exc.strerror or exc}', file=str(path)) from None


def write_all_or_none(outputs):
    """Write every (path, write) (`write(fileobj)` writes the text), or none of them when one cannot be
    written (a missing folder, no permission): each goes to a file beside its path, renamed into place
    only once all are written, so a previous result is never left half-replaced."""
    parts = []
    try:
        for path, write in outputs:
            if os.path.isdir(path):
                raise IsADirectoryError(errno.EISDIR, 'it is a folder', path)
            part = f'{path}.{os.getpid()}.part'
            try:
                with open(part, 'x', newline='', encoding='utf-8') as out:
                    parts.append(part)
                    write(out)
            except OSError as error:
                raise type(error)(error.errno, error.strerror, path) from error
        for part, (path, _) in zip(parts, outputs):
            os.replace(part, path)
    finally:
        for part in parts:
            if os.path.exists(part):
                os.remove(part)
