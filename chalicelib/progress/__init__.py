"""Live progress over WebSocket: connections, subscriptions and the messages they receive."""
