"""The Step Functions definition (ASL) that runs an analysis's stages in AWS."""
from chalicelib.analyses.stages import STAGES
from chalicelib.storage.analyses import LEASE_SECONDS
from chalicelib.storage.queue import MAX_RECEIVES

# A Step Functions retry comes after a dead task's lease has run out (it was renewed
# at most LEASE_SECONDS before the death), so the retry can claim the stage and run it.
RETRY_SECONDS = LEASE_SECONDS + 15
# An analysis not ended this long after it was created will not end by itself: the state
# machine's execution times out (and the analysis ends FAILED, runner.handle_execution_ended);
# the SQS path gives up sooner (MAX_RECEIVES visibility timeouts of 900 s). Operations count
# what is still unfinished after it (runner.report_overdue: the overdue-analyses alarm).
DEADLINE_SECONDS = 3600


def state_machine(function_arn, stages=STAGES):
    """The Step Functions definition (ASL) that runs `stages` in AWS: one Task per
    stage calling the `analysis_stage` function, retried like SQS redelivers, each
    retry after the lease of a task that died has run out (RETRY_SECONDS).

    A stage that ends the analysis (FAILED) makes the later tasks no-ops, so the
    chain needs no choice states; the last retry marks the analysis FAILED. A task
    that dies instead (timeout, out of memory) is caught: the `abandon` task ends
    the analysis FAILED as the dead-letter handler does. An execution that ends
    otherwise (DEADLINE_SECONDS passed, stopped by hand, `abandon` failing) is told
    to runner.handle_execution_ended by EventBridge.
    """
    def task(payload, **rest):
        return {'Type': 'Task', 'Resource': 'arn:aws:states:::lambda:invoke',
                'Parameters': {'FunctionName': function_arn, 'Payload': {
                    'user_id.$': '$.user_id', 'analysis_id.$': '$.analysis_id', **payload}},
                'ResultPath': None,
                'Retry': [{'ErrorEquals': ['States.ALL'], 'MaxAttempts': MAX_RECEIVES - 1,
                           'IntervalSeconds': RETRY_SECONDS, 'BackoffRate': 2.0}], **rest}

    names = [stage.name for stage in stages]
    catch = [{'ErrorEquals': ['States.ALL'], 'ResultPath': '$.error', 'Next': 'abandon'}]
    states = {name: task({'stage': name, 'retries.$': '$$.State.RetryCount'}, Catch=catch,
                         **({'Next': following} if following else {'End': True}))
              for name, following in zip(names, names[1:] + [None])}
    states['abandon'] = task({'abandon': True}, Next='failed')
    states['failed'] = {'Type': 'Fail', 'Error': 'AnalysisFailed',
                        'Cause': 'the analysis is FAILED; its error says why'}
    return {'Comment': 'ChatMRPT analysis: the stages of chalicelib.analyses.stages.STAGES',
            'StartAt': names[0], 'TimeoutSeconds': DEADLINE_SECONDS, 'States': states}
