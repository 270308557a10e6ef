"""Zip archives (a zipped shapefile, an .xlsx workbook) checked before anything inflates them.

The members' declared sizes are summed first, so an archive that would expand
beyond the limit is refused naming the file without inflating a byte. A member
is only ever read through a bounded read (at most its declared size + 1) with its
CRC checked, so a damaged member, or one whose header lies about its size, is
refused naming the member. Only stored and deflated members are read: bzip2 and
LZMA inflate a whole chunk of input in one call, however large it expands.
"""
import io
import zipfile
import zlib
from contextlib import contextmanager

from .errors import DataError

READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
CHUNK = 1024 * 1024


def open_zip(filename, data, advice):
    """The archive of `data`, or `unreadable_file` with `advice` when it is no zip at all."""
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise DataError('unreadable_file', f'The file is not a valid zip archive: {advice}', file=filename) from None


def check_expansion(filename, members, limit, advice):
    """Refuse members whose declared sizes add up to more than `limit` bytes."""
    total = sum(info.file_size for info in members)
    if total > limit:
        raise DataError('too_large', f'{filename} expands to {total:,} bytes, beyond the limit of {limit:,}: '
                        f'{advice}', file=filename)


def member_bytes(filename, archive, info):
    """The member's content, read at most to its declared size + 1 with its CRC checked."""
    with _reading(filename, info):
        with archive.open(info) as handle:
            content = handle.read(info.file_size + 1)
    if len(content) > info.file_size:
        raise _damaged(filename, info, 'it holds more than its header declares')
    return content


def check_member(filename, archive, info):
    """Inflate the member chunk by chunk and forget it: the same checks as `member_bytes`
    without holding the content, for members another library reads afterwards."""
    with _reading(filename, info):
        with archive.open(info) as handle:
            left = info.file_size + 1
            while left > 0 and (chunk := handle.read(min(CHUNK, left))):
                left -= len(chunk)
    if left <= 0:
        raise _damaged(filename, info, 'it holds more than its header declares')


@contextmanager
def _reading(filename, info):
    """Errors of inflating one member as a DataError naming it."""
    if info.flag_bits & 0x1:
        raise DataError('unreadable_member', f'{info.filename} inside {filename} is encrypted: zip the files '
                        'again without a password.', file=filename)
    if info.compress_type not in READABLE_METHODS:
        raise DataError('unreadable_member', f'{info.filename} inside {filename} is compressed with a method '
                        'other than deflate: zip the files again with the standard (deflate) compression.',
                        file=filename)
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise _damaged(filename, info, str(exc) or type(exc).__name__) from None


def _damaged(filename, info, reason):
    return DataError('damaged_member', f'{info.filename} inside {filename} is damaged ({reason}): make the '
                     'zip (or save the workbook) again from the original files and upload it again.',
                     file=filename)
