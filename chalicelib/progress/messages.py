"""The messages a WebSocket client receives about an analysis."""


def progress_message(analysis_id, stage, progress, message):
    return {'type': 'progress', 'analysis_id': analysis_id, 'stage': stage,
            'progress': progress, 'message': message}


def status_message(analysis_id, status, error=None):
    message = {'type': 'status', 'analysis_id': analysis_id, 'status': status}
    if error:
        message['error'] = error
    return message
