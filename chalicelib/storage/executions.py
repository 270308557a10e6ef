"""The analysis state machine (Step Functions): POST /analyses starts one execution per analysis.

The execution is named after the analysis, so Step Functions itself refuses a second start
of the same analysis (ExecutionAlreadyExists): a repeated start never runs the job twice.
Its input is the job, as on the SQS queue: user id and analysis id, nothing else.
"""
import json


class AnalysisExecutions:
    def __init__(self, state_machine_arn, client):
        self.state_machine_arn = state_machine_arn
        self._client = client

    def send(self, user_id, analysis_id):
        """Start the analysis's execution; a start repeated for the same analysis is a no-op."""
        try:
            self._client.start_execution(stateMachineArn=self.state_machine_arn, name=analysis_id,
                                         input=json.dumps({'user_id': user_id, 'analysis_id': analysis_id}))
        except self._client.exceptions.ExecutionAlreadyExists:
            pass   # this analysis's execution runs (or ran) already: the job is not started twice
