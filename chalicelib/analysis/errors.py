"""The one exception every refusal of a user's file or request raises.

Its `to_dict()` is the dataset `errors` item of the API contract, so the worker
can store it as is and a person can act on it (what is wrong, where, what to do).
"""


class DataError(Exception):
    """A user's file or request is wrong; never a server fault."""

    def __init__(self, code, message, file=None, row=None, column=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.file = file
        self.row = row
        self.column = column

    def to_dict(self):
        return {'code': self.code, 'message': self.message, 'file': self.file,
                'row': self.row, 'column': self.column}

    def one_line(self):
        """The reason on one line, for a command line or a log."""
        where = ', '.join(f'{k} {v}' for k, v in (('row', self.row), ('column', self.column)) if v is not None)
        prefix = f'{self.file}: ' if self.file else ''
        suffix = f' ({where})' if where else ''
        return f'{prefix}{self.message}{suffix}'.replace('\n', ' ')
