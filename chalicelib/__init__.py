"""ChatMRPT serverless: services behind the Chalice app in app.py."""
