"""The local stack: moto server as embedded AWS, the app behind a verifying
authorizer, a WebSocket relay and the S3/SQS event bridges. Never deployed."""
