"""Background jobs: relaying the outbox to the queue, and failed jobs seen and retried."""
