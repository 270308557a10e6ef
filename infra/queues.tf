# Analysis jobs: a failed job is retried, then parked in the dead-letter queue
# (same receive count and visibility timeouts as devstack/provision.py).
locals {
  max_receives = 3
  # At least the worker's Lambda timeout, so a running job is not handed out twice.
  analysis_visibility_seconds = 900
  # Its consumer only marks the analysis (or the chat turn) FAILED (app.py on_*_dead_letter).
  dead_letter_visibility_seconds = 60
  # Longer than the chat worker's Lambda timeout (.chalice/config.json on_chat_turn).
  chat_visibility_seconds = 300
}

resource "aws_sqs_queue" "analysis_dlq" {
  name                              = "${local.prefix}-analysis-dlq"
  visibility_timeout_seconds        = local.dead_letter_visibility_seconds
  message_retention_seconds         = 1209600
  kms_master_key_id                 = aws_kms_key.data.arn
  kms_data_key_reuse_period_seconds = 300
}

resource "aws_sqs_queue" "analysis" {
  name                              = "${local.prefix}-analysis"
  visibility_timeout_seconds        = local.analysis_visibility_seconds
  message_retention_seconds         = 345600
  kms_master_key_id                 = aws_kms_key.data.arn
  kms_data_key_reuse_period_seconds = 300
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.analysis_dlq.arn
    maxReceiveCount     = local.max_receives
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "analysis_dlq" {
  queue_url = aws_sqs_queue.analysis_dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.analysis.arn]
  })
}

# Chat turns (chalicelib/storage/queue.py ChatQueue): FIFO, one message group per conversation,
# so a conversation's turns run in order and one at a time; the turn id deduplicates a resend.
resource "aws_sqs_queue" "chat_dlq" {
  name                              = "${local.prefix}-chat-dlq.fifo"
  fifo_queue                        = true
  visibility_timeout_seconds        = local.dead_letter_visibility_seconds
  message_retention_seconds         = 1209600
  kms_master_key_id                 = aws_kms_key.data.arn
  kms_data_key_reuse_period_seconds = 300
}

resource "aws_sqs_queue" "chat" {
  name                              = "${local.prefix}-chat.fifo"
  fifo_queue                        = true
  content_based_deduplication       = false
  deduplication_scope               = "messageGroup"
  fifo_throughput_limit             = "perMessageGroupId"
  visibility_timeout_seconds        = local.chat_visibility_seconds
  message_retention_seconds         = 86400 # an answer a day late is no answer
  kms_master_key_id                 = aws_kms_key.data.arn
  kms_data_key_reuse_period_seconds = 300
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.chat_dlq.arn
    maxReceiveCount     = local.max_receives
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "chat_dlq" {
  queue_url = aws_sqs_queue.chat_dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.chat.arn]
  })
}

# Asynchronous invocations that fail twice (an S3 upload event, a Cognito
# trigger retried by the service) land here instead of vanishing.
resource "aws_sqs_queue" "events_dlq" {
  name                              = "${local.prefix}-events-dlq"
  message_retention_seconds         = 1209600
  kms_master_key_id                 = aws_kms_key.data.arn
  kms_data_key_reuse_period_seconds = 300
}
