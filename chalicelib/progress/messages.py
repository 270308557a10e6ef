"""The messages a WebSocket client receives about an analysis (its subscribers) or a dataset
(every connection of its owner)."""


def progress_message(analysis_id, stage, progress, message):
    return {'type': 'progress', 'analysis_id': analysis_id, 'stage': stage,
            'progress': progress, 'message': message}


def status_message(analysis_id, status, error=None):
    message = {'type': 'status', 'analysis_id': analysis_id, 'status': status}
    if error:
        message['error'] = error
    return message


def dataset_message(dataset_id, status):
    """A dataset's end (READY or INVALID): only its id and status, the client GETs the rest."""
    return {'type': 'dataset', 'dataset_id': dataset_id, 'status': status}
